/**
 * Resource IDs in Alibaba's shapes (contract §6): a type prefix, a region-specific three-character
 * prefix, then lower-case alphanumerics; RequestIds are upper-case UUIDs.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

// Prefixes seen in real IDs; other regions get a stable prefix derived from the name.
const REGION_PREFIX: Readonly<Record<string, string>> = {
  'cn-hangzhou': 'bp1',
  'cn-beijing': '2ze',
  'cn-shanghai': 'uf6',
  'cn-shenzhen': 'wz9',
  'cn-qingdao': 'm5e',
  'cn-zhangjiakou': '8vb',
  'cn-huhehaote': 'hp3',
  'cn-hongkong': 'j6c',
  'ap-southeast-1': 't4n',
  'us-west-1': 'rj9',
  'us-east-1': '0xi',
  'eu-central-1': 'gw8',
  'ap-northeast-1': '6we',
}

const regionPrefix = (regionId: string): string => {
  const known = REGION_PREFIX[regionId]
  if (known !== undefined) return known
  const digest = createHash('sha256').update(regionId).digest()
  return [0, 1, 2].map((i) => ALPHABET[digest[i]! % ALPHABET.length]).join('')
}

const randomText = (length: number): string => {
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)]
  return out
}

export const newLoadBalancerId = (regionId: string): string => `lb-${regionPrefix(regionId)}${randomText(19)}`
export const newVServerGroupId = (regionId: string): string => `rsp-${regionPrefix(regionId)}${randomText(9)}`
export const newInstanceId = (regionId: string): string => `i-${regionPrefix(regionId)}${randomText(17)}`
export const newNetworkInterfaceId = (regionId: string): string => `eni-${regionPrefix(regionId)}${randomText(17)}`
export const newVpcId = (regionId: string): string => `vpc-${regionPrefix(regionId)}${randomText(17)}`
export const newVSwitchId = (regionId: string): string => `vsw-${regionPrefix(regionId)}${randomText(17)}`
export const newRequestId = (): string => randomUUID().toUpperCase()
// Alibaba account UIDs are 16 decimal digits.
export const newAccountId = (): string =>
  String(randomInt(1, 10)) + String(randomInt(0, 1e7)).padStart(7, '0') + String(randomInt(0, 1e8)).padStart(8, '0')
export const newOrderId = (): number => randomInt(1e11, 2 ** 47)
