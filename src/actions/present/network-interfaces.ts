/**
 * ENI records in the wire shapes of CreateNetworkInterface and DescribeNetworkInterfaces
 * (`@alicloud/ecs20140526` models), plus the fake but stable MAC address every ENI shows.
 */
import { createHash } from 'node:crypto'
import type { Output } from '../../api/spec/dsl.js'
import type * as spec from '../../api/spec/ecs.js'
import type { NetworkInterface } from '../../domain/model.js'

type DescribedEni = Output<typeof spec.DescribeNetworkInterfaces.response>['NetworkInterfaceSets'][number]
type CreatedEni = Output<typeof spec.CreateNetworkInterface.response>

/** 00:16:3e is the OUI Alibaba Cloud ENIs carry; the rest comes from the ENI's ID. */
export function macAddress(eniId: string): string {
  const digest = createHash('sha256').update(eniId).digest()
  return ['00', '16', '3e', ...[0, 1, 2].map((i) => digest[i]!.toString(16).padStart(2, '0'))].join(':')
}

/** This subset has no AttachNetworkInterface: the ENIs attached to an instance are its primary ones. */
export const eniType = (eni: NetworkInterface): 'Primary' | 'Secondary' =>
  eni.instanceId === '' ? 'Secondary' : 'Primary'

// ENI times carry seconds: `2019-12-25T12:31:31Z`.
const creationTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

const common = (eni: NetworkInterface, ownerId: string) => ({
  NetworkInterfaceId: eni.id,
  NetworkInterfaceName: eni.name,
  Description: eni.description,
  Status: eni.status,
  Type: eniType(eni),
  VpcId: eni.vpcId,
  VSwitchId: eni.vSwitchId,
  ZoneId: eni.zoneId,
  PrivateIpAddress: eni.primaryIp,
  MacAddress: macAddress(eni.id),
  OwnerId: ownerId,
  ResourceGroupId: '',
  ServiceManaged: false,
  SecurityGroupIds: [],
  PrivateIpSets: [{ PrivateIpAddress: eni.primaryIp, Primary: true }],
  Ipv6Sets: [],
  Ipv4PrefixSets: [],
  Ipv6PrefixSets: [],
  Tags: [],
})

export const presentCreatedEni = (eni: NetworkInterface, ownerId: string): CreatedEni => common(eni, ownerId)

export const presentEni = (eni: NetworkInterface, ownerId: string): DescribedEni => ({
  ...common(eni, ownerId),
  InstanceId: eni.instanceId,
  CreationTime: creationTime(eni.createdAt),
  NetworkInterfaceTrafficMode: 'Standard',
  AssociatedPublicIp: { PublicIpAddress: '', AllocationId: '' },
})
