/**
 * Where a new instance or ENI sits in the account's private network: its VPC, vSwitch and zone, and the
 * private addresses it claims from the instance pool (unique per account and region).
 */
import {
  missingParameter,
  privateIpDuplicated,
  privateIpMalformed,
  privateIpOutOfPool,
  privateIpPoolExhausted,
  zoneNotFound,
} from '../domain/errors.js'
import { newVSwitchId, newVpcId } from '../domain/ids.js'
import { formatIpv4, inPool, lowestFree, parseIpv4, type Ipv4Pool } from '../domain/ipv4.js'
import { findRegion } from '../domain/regions.js'
import type { RegionScope, Scope } from '../domain/scope.js'
import type { Repositories } from '../store/repository.js'

export interface Placement {
  readonly vpcId: string
  readonly vSwitchId: string
  readonly zoneId: string
}

/** The scope of an action whose spec marks RegionId required (the pipeline has enforced it). */
export const regionScope = (scope: Scope): RegionScope => {
  if (scope.regionId === undefined) throw missingParameter('RegionId')
  return { accountId: scope.accountId, regionId: scope.regionId }
}

/**
 * There are no VPC or vSwitch resources in this subset. An account has one VPC per region: the VPC of
 * its earliest ENI there, or a new ID. A vSwitch already in use keeps its VPC and zone; without one,
 * the earliest ENI's vSwitch and zone are used. Every instance has a primary ENI, so ENIs show it all.
 */
export async function place(
  repos: Repositories,
  regionId: string,
  asked: { readonly vSwitchId: string | undefined; readonly zoneId: string | undefined },
): Promise<Placement> {
  const zones = findRegion(regionId)?.zones ?? []
  if (asked.zoneId !== undefined && !zones.some((z) => z.id === asked.zoneId)) throw zoneNotFound()
  const first = { offset: 0, limit: 1 }
  if (asked.vSwitchId !== undefined) {
    const [known] = (await repos.networkInterfaces.list({ vSwitchId: asked.vSwitchId }, first)).items
    if (known !== undefined) {
      return { vpcId: known.vpcId, vSwitchId: known.vSwitchId, zoneId: asked.zoneId ?? known.zoneId }
    }
  }
  const [earliest] = (await repos.networkInterfaces.list({}, first)).items
  const sameSwitch = asked.vSwitchId === undefined && earliest !== undefined
  return {
    vpcId: earliest?.vpcId ?? newVpcId(regionId),
    vSwitchId: asked.vSwitchId ?? earliest?.vSwitchId ?? newVSwitchId(regionId),
    zoneId: asked.zoneId ?? (sameSwitch ? earliest.zoneId : (zones[0]?.id ?? `${regionId}-a`)),
  }
}

/**
 * Claims one address per owner. A requested address is the first of consecutive ones (RunInstances
 * with Amount > 1, per the ecs20140526 model docs); otherwise each owner gets the lowest free address.
 */
export async function claimAddresses(
  repos: Repositories,
  pool: Ipv4Pool,
  requested: string | undefined,
  ownerIds: readonly string[],
): Promise<string[]> {
  if (requested !== undefined) {
    const addresses = consecutive(pool, requested, ownerIds.length).map(formatIpv4)
    for (const [i, ip] of addresses.entries()) {
      if (!(await repos.privateIps.claim(ip, ownerIds[i]!))) throw privateIpDuplicated()
    }
    return addresses
  }
  const taken = await claimedNumbers(repos)
  const addresses: string[] = []
  for (const ownerId of ownerIds) {
    for (;;) {
      const n = lowestFree(pool, taken)
      if (n === undefined) throw privateIpPoolExhausted()
      taken.add(n)
      // A concurrent transaction may have claimed it since `claimed()` was read: take the next one.
      if (await repos.privateIps.claim(formatIpv4(n), ownerId)) {
        addresses.push(formatIpv4(n))
        break
      }
    }
  }
  return addresses
}

const consecutive = (pool: Ipv4Pool, requested: string, count: number): number[] => {
  const start = parseIpv4(requested)
  if (start === undefined) throw privateIpMalformed()
  const numbers = Array.from({ length: count }, (_, i) => start + i)
  // The pool stands in for the vSwitch CIDR block.
  if (!numbers.every((n) => inPool(pool, n))) throw privateIpOutOfPool()
  return numbers
}

const claimedNumbers = async (repos: Repositories): Promise<Set<number>> => {
  const taken = new Set<number>()
  for (const ip of await repos.privateIps.claimed()) {
    const n = parseIpv4(ip)
    if (n !== undefined) taken.add(n)
  }
  return taken
}
