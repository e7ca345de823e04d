/**
 * Load balancer instances: create (address from the pool, ClientToken idempotency, quota, tags),
 * describe, delete and the attribute setters (contract §2.2). Each mutation is one transaction.
 */
import type { Handler } from '../api/route.js'
import type { ParamShape, Shape } from '../api/spec/dsl.js'
import type * as spec from '../api/spec/load-balancers.js'
import {
  addressInUse,
  addressOutOfPool,
  addressPoolExhausted,
  deleteProtected,
  invalidParameter,
  invalidParameterMessage,
  loadBalancerNotFound,
  loadBalancerQuota,
  tagCountLimit,
} from '../domain/errors.js'
import { newLoadBalancerId, newOrderId } from '../domain/ids.js'
import { formatIpv4, inPool, parseIpv4, type Ipv4Pool } from '../domain/ipv4.js'
import type { LoadBalancer } from '../domain/model.js'
import { findRegion } from '../domain/regions.js'
import type { RegionScope } from '../domain/scope.js'
import type {
  LoadBalancerFilter,
  LoadBalancerPatch,
  LoadBalancerRepository,
  Repositories,
  TagMatch,
} from '../store/repository.js'
import { defaultGroupOf } from './backend-servers.js'
import type { ActionContext } from './context.js'
import { deleteListenersOf, listenerPortsOf } from './listeners.js'
import { presentAttribute, presentCreated, presentListItem } from './present/load-balancers.js'
import { tagMatchesFromParams, tagsFromParams } from './tags.js'

type H<S extends { params: ParamShape; response: Readonly<Record<string, Shape>> }> = Handler<
  S['params'],
  S['response']
>

// The name of an instance created without one (contract §2.2: "Auto-assigned if absent").
const AUTO_NAME = 'auto_named_slb'
// The DOCS samples show 5120 for pay-by-traffic instances created without a bandwidth.
const DEFAULT_BANDWIDTH = 5120

/** RegionId is required for these actions, so the pipeline has already set it. */
const regionScope = (ctx: ActionContext): RegionScope => ({
  accountId: ctx.scope.accountId,
  regionId: ctx.scope.regionId ?? '',
})

/**
 * The next address after the highest one in use, so a released address is not handed out again
 * at once; when the top of the pool is taken, the lowest free one. Addresses are unique across
 * all accounts because the data plane binds them on this machine.
 */
const allocateAddress = async (repo: LoadBalancerRepository, pool: Ipv4Pool): Promise<number> => {
  const highest = await repo.highestAddress(pool.first, pool.last)
  if (highest === undefined) return pool.first
  if (highest < pool.last) return highest + 1
  let candidate = pool.first
  for (const n of await repo.allocatedAddresses(pool.first, pool.last)) {
    if (n > candidate) break
    if (n === candidate) candidate += 1
  }
  if (candidate > pool.last) throw addressPoolExhausted()
  return candidate
}

const explicitAddress = (text: string, pool: Ipv4Pool): number => {
  const n = parseIpv4(text)
  if (n === undefined) throw invalidParameter('Address')
  if (!inPool(pool, n)) throw addressOutOfPool()
  return n
}

/** Given zones must belong to the region; absent ones default to its first two (contract §2.2). */
const chooseZones = (regionId: string, master: string | undefined, slave: string | undefined) => {
  const zones = (findRegion(regionId)?.zones ?? []).map((z) => z.id)
  if (master !== undefined && !zones.includes(master)) throw invalidParameter('MasterZoneId')
  if (slave !== undefined && !zones.includes(slave)) throw invalidParameter('SlaveZoneId')
  const masterZoneId = master ?? zones[0] ?? ''
  const slaveZoneId = slave ?? zones.find((z) => z !== masterZoneId) ?? ''
  return { masterZoneId, slaveZoneId }
}

export const createLoadBalancer: H<typeof spec.CreateLoadBalancer> = async (ctx, p) => {
  const scope = regionScope(ctx)
  const pool = ctx.config.addressPool
  // The address pool and the data plane are IPv4 only.
  if (p.AddressIPVersion === 'ipv6') {
    throw invalidParameterMessage('The specified AddressIPVersion ipv6 is not supported by this server.')
  }
  const tags = tagsFromParams(p.Tag ?? [])
  if (tags.length > ctx.config.quotas.tagsPerResource) throw tagCountLimit()
  const zones = chooseZones(scope.regionId, p.MasterZoneId, p.SlaveZoneId)
  const wanted = p.Address === undefined ? undefined : explicitAddress(p.Address, pool)
  const token = p.ClientToken

  // A replayed ClientToken answers with the instance it created (contract §2.2; CCM, Terraform).
  if (token !== undefined) {
    const existing = await ctx.store.read(scope, (repos) => repos.loadBalancers.findByClientToken(token))
    if (existing !== undefined) return presentCreated(existing)
  }

  const lb = await ctx.store.write(scope, async (repos) => {
    if (token !== undefined) {
      const existing = await repos.loadBalancers.findByClientToken(token)
      if (existing !== undefined) return existing
    }
    if ((await repos.loadBalancers.countInAccount()) >= ctx.config.quotas.loadBalancersPerAccount) {
      throw loadBalancerQuota()
    }
    let addressNum: number
    if (wanted === undefined) {
      addressNum = await allocateAddress(repos.loadBalancers, pool)
    } else {
      if (await repos.loadBalancers.addressTaken(formatIpv4(wanted))) throw addressInUse()
      addressNum = wanted
    }
    const inVpc = p.VSwitchId !== undefined || p.VpcId !== undefined
    const consoleProtected = p.ModificationProtectionStatus === 'ConsoleProtection'
    const record: LoadBalancer = {
      id: newLoadBalancerId(scope.regionId),
      regionId: scope.regionId,
      name: p.LoadBalancerName ?? AUTO_NAME,
      address: formatIpv4(addressNum),
      // With a vSwitch the default is intranet (contract §2.2).
      addressType: p.AddressType ?? (p.VSwitchId !== undefined ? 'intranet' : 'internet'),
      addressIpVersion: p.AddressIPVersion,
      networkType: inVpc ? 'vpc' : 'classic',
      vpcId: p.VpcId ?? '',
      vSwitchId: p.VSwitchId ?? '',
      status: 'active',
      spec: p.LoadBalancerSpec ?? '',
      internetChargeType: p.InternetChargeType,
      bandwidth: p.Bandwidth ?? DEFAULT_BANDWIDTH,
      payType: p.PayType,
      instanceChargeType: p.InstanceChargeType,
      masterZoneId: zones.masterZoneId,
      slaveZoneId: zones.slaveZoneId,
      deleteProtection: p.DeleteProtection,
      modificationProtectionStatus: p.ModificationProtectionStatus,
      modificationProtectionReason: consoleProtected ? (p.ModificationProtectionReason ?? '') : '',
      resourceGroupId: p.ResourceGroupId ?? '',
      // "If you do not specify this parameter, the system uses the request ID" (contract §2.2).
      clientToken: token ?? ctx.requestId,
      createdAt: ctx.now(),
    }
    await repos.loadBalancers.insert(record, addressNum)
    await repos.tags.put('instance', record.id, tags)
    return record
  }, { affectsDataplane: false }) // A new instance has no listeners yet.
  return presentCreated(lb)
}

const EMPTY_PAGE = { items: [], total: 0 } as const

export const describeLoadBalancers: H<typeof spec.DescribeLoadBalancers> = async (ctx, p) => {
  const tags: TagMatch[] = [...(p.Tags ?? []), ...tagMatchesFromParams(p.Tag)]
  const filter: LoadBalancerFilter = {
    ids: nonEmpty(p.LoadBalancerId),
    names: nonEmpty(p.LoadBalancerName),
    addresses: p.Address === undefined ? undefined : [p.Address],
    addressType: p.AddressType,
    addressIpVersion: p.AddressIPVersion,
    networkType: p.NetworkType,
    vpcId: p.VpcId,
    vSwitchId: p.VSwitchId,
    masterZoneId: p.MasterZoneId,
    slaveZoneId: p.SlaveZoneId,
    internetChargeType: p.InternetChargeType,
    payType: p.PayType,
    instanceChargeType: p.InstanceChargeType,
    status: p.LoadBalancerStatus,
    resourceGroupId: p.ResourceGroupId,
    tags: tags.length === 0 ? undefined : tags,
  }
  // Every instance here is in BusinessStatus Normal.
  const matchesNothing = p.BusinessStatus !== undefined && p.BusinessStatus.toLowerCase() !== 'normal'
  const page = { offset: (p.PageNumber - 1) * p.PageSize, limit: p.PageSize }
  const { found, tagsById } = await ctx.store.read(ctx.scope, async (repos) => {
    const ids = await withServers(repos, filter.ids, p.ServerId, p.ServerIntranetAddress)
    const found =
      matchesNothing || ids?.length === 0 ? EMPTY_PAGE : await repos.loadBalancers.list({ ...filter, ids }, page)
    const tagsById = await repos.tags.forResources('instance', found.items.map((lb) => lb.id))
    return { found, tagsById }
  })
  return {
    PageNumber: p.PageNumber,
    PageSize: p.PageSize,
    TotalCount: found.total,
    LoadBalancers: found.items.map((lb) => presentListItem(lb, tagsById.get(lb.id) ?? [])),
  }
}

const nonEmpty = (list: readonly string[] | undefined): readonly string[] | undefined =>
  list === undefined || list.length === 0 ? undefined : list

/**
 * Narrows the LoadBalancerId filter to instances with a given backend server in any of their
 * server groups: `serverId` itself, or the instances and ENIs holding one of `addresses`.
 * Undefined when neither filter is given; both given must both hold.
 */
const withServers = async (
  repos: Repositories,
  ids: readonly string[] | undefined,
  serverId: string | undefined,
  addresses: readonly string[] | undefined,
): Promise<readonly string[] | undefined> => {
  let out = ids
  const narrow = (found: readonly string[]) => {
    out = out === undefined ? found : out.filter((id) => found.includes(id))
  }
  if (serverId !== undefined) narrow(await repos.serverGroups.loadBalancersWithServers([serverId]))
  if (addresses !== undefined) {
    const page = { offset: 0, limit: 10_000 }
    const [instances, enis] = await Promise.all([
      repos.instances.list({ privateIps: addresses }, page),
      repos.networkInterfaces.list({ privateIps: addresses }, page),
    ])
    const servers = [...instances.items.map((i) => i.id), ...enis.items.map((e) => e.id)]
    narrow(await repos.serverGroups.loadBalancersWithServers(servers))
  }
  return out
}

export const describeLoadBalancerAttribute: H<typeof spec.DescribeLoadBalancerAttribute> = async (ctx, p) => {
  const found = await ctx.store.read(ctx.scope, async (repos) => {
    const lb = await repos.loadBalancers.get(p.LoadBalancerId)
    if (lb === undefined) return undefined
    const tags = await repos.tags.forResources('instance', [lb.id])
    return {
      lb,
      tags: tags.get(lb.id) ?? [],
      backends: await defaultGroupOf(repos, lb),
      listeners: await listenerPortsOf(repos, lb.id),
    }
  })
  if (found === undefined) throw loadBalancerNotFound()
  return presentAttribute(found.lb, found.tags, found.backends, found.listeners)
}

export const deleteLoadBalancer: H<typeof spec.DeleteLoadBalancer> = async (ctx, p) => {
  await ctx.store.write(ctx.scope, async (repos) => {
    const lb = await repos.loadBalancers.get(p.LoadBalancerId)
    if (lb === undefined) throw loadBalancerNotFound()
    // The flag exists to refuse this call; the code is unverified (contract §8.6).
    if (lb.deleteProtection === 'on') throw deleteProtected()
    // "the listeners and tags of the SLB instance are deleted too" (contract §2.2); its server
    // groups and their members go with it (inference, contract §2.2).
    await repos.tags.remove('instance', lb.id, undefined)
    for (const group of await repos.serverGroups.listGroups(lb.id)) {
      await repos.tags.remove('vservergroup', group.id, undefined)
    }
    await deleteListenersOf(repos, lb.id)
    await repos.serverGroups.deleteAllOfLoadBalancer(lb.id)
    await repos.loadBalancers.delete(lb.id)
  })
  return {}
}

/**
 * Applies a patch to one instance in one transaction; a missing instance changes nothing. Only a
 * status change matters to the data plane (an inactive instance forwards nothing).
 */
const patchLoadBalancer = async (ctx: ActionContext, id: string, patch: () => LoadBalancerPatch): Promise<void> => {
  const values = patch()
  return ctx.store.write(
    ctx.scope,
    async (repos) => {
      if ((await repos.loadBalancers.get(id)) === undefined) throw loadBalancerNotFound()
      await repos.loadBalancers.update(id, values)
    },
    { affectsDataplane: values.status !== undefined },
  )
}

export const setLoadBalancerStatus: H<typeof spec.SetLoadBalancerStatus> = async (ctx, p) => {
  await patchLoadBalancer(ctx, p.LoadBalancerId, () => ({ status: p.LoadBalancerStatus }))
  return {}
}

export const setLoadBalancerName: H<typeof spec.SetLoadBalancerName> = async (ctx, p) => {
  await patchLoadBalancer(ctx, p.LoadBalancerId, () => ({ name: p.LoadBalancerName }))
  return {}
}

export const setLoadBalancerDeleteProtection: H<typeof spec.SetLoadBalancerDeleteProtection> = async (ctx, p) => {
  await patchLoadBalancer(ctx, p.LoadBalancerId, () => ({ deleteProtection: p.DeleteProtection }))
  return {}
}

// The reason is kept only with ConsoleProtection and cleared on NonProtection (contract §2.2).
// ConsoleProtection guards the console alone; API calls still work, so nothing here checks it.
export const setLoadBalancerModificationProtection: H<typeof spec.SetLoadBalancerModificationProtection> = async (
  ctx,
  p,
) => {
  const reason = p.ModificationProtectionStatus === 'ConsoleProtection' ? (p.ModificationProtectionReason ?? '') : ''
  await patchLoadBalancer(ctx, p.LoadBalancerId, () => ({
    modificationProtectionStatus: p.ModificationProtectionStatus,
    modificationProtectionReason: reason,
  }))
  return {}
}

// The "C" setters: stored and shown back; this server has no billing (contract §2.2).
export const modifyLoadBalancerInstanceSpec: H<typeof spec.ModifyLoadBalancerInstanceSpec> = async (ctx, p) => {
  await patchLoadBalancer(ctx, p.LoadBalancerId, () => ({ spec: p.LoadBalancerSpec }))
  return { OrderId: newOrderId() }
}

export const modifyLoadBalancerInternetSpec: H<typeof spec.ModifyLoadBalancerInternetSpec> = async (ctx, p) => {
  await patchLoadBalancer(ctx, p.LoadBalancerId, () => ({
    internetChargeType: p.InternetChargeType,
    bandwidth: p.Bandwidth,
  }))
  return { OrderId: newOrderId() }
}

export const modifyLoadBalancerInstanceChargeType: H<typeof spec.ModifyLoadBalancerInstanceChargeType> = async (
  ctx,
  p,
) => {
  await patchLoadBalancer(ctx, p.LoadBalancerId, () => ({
    instanceChargeType: p.InstanceChargeType,
    spec: p.LoadBalancerSpec,
    internetChargeType: p.InternetChargeType,
    bandwidth: p.Bandwidth,
  }))
  return {}
}
