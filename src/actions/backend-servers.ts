/**
 * The default server group of a load balancer: AddBackendServers, SetBackendServers and
 * RemoveBackendServers (contract §2.1, §2.4), plus the member details other actions show.
 * Each mutation is one transaction that validates everything before its first write.
 */
import type { BackendServerInput } from '../api/protocol/backend-servers.js'
import type { Handler } from '../api/route.js'
import type * as spec from '../api/spec/backend-servers.js'
import { checkBatchSize, checkQuota, DEFAULT_WEIGHT, firstOfEach } from '../domain/backend-rules.js'
import { backendServerExists, loadBalancerNotFound } from '../domain/errors.js'
import { memberKey, type BackendMember, type LoadBalancer } from '../domain/model.js'
import type { MemberChange, Repositories } from '../store/repository.js'
import {
  matchedBy,
  namedBy,
  patched,
  refOf,
  resolveMembers,
  type MemberRef,
  type Target,
} from './backend-resolution.js'
import type { ActionContext } from './context.js'
import { presentChanged, presentRemaining } from './present/backend-servers.js'

type Spec<K extends keyof typeof spec> = (typeof spec)[K]
type H<K extends keyof typeof spec> = Handler<Spec<K>['params'], Spec<K>['response']>

/** The default server group's id is the load balancer's own, and its members have no port. */
const defaultGroup = (lb: LoadBalancer): Target => ({ loadBalancer: lb, groupId: lb.id, withPort: false })

const loadBalancerIn = async (repos: Repositories, id: string): Promise<LoadBalancer> => {
  const lb = await repos.loadBalancers.get(id)
  if (lb === undefined) throw loadBalancerNotFound()
  return lb
}

/** An absent or empty BackendServers changes nothing, but the load balancer must still exist. */
const unchanged = async (ctx: ActionContext, id: string) => {
  await ctx.store.read(ctx.scope, (repos) => loadBalancerIn(repos, id))
  return { LoadBalancerId: id, BackendServers: [] }
}

const refKey = (ref: MemberRef): string => memberKey({ ...ref, serverIp: ref.serverIp ?? '' })

/** Request items with their references; of several items naming one member only the first counts (contract §2.1). */
const distinctRefs = (target: Target, items: readonly BackendServerInput[]) =>
  firstOfEach(
    items.map((item) => ({ item, ref: refOf(target, item) })),
    ({ ref }) => refKey(ref),
  )

/** VPC of each server a member names (instances and ENIs), for the lists that show VpcId. */
export async function vpcIdsOf(repos: Repositories, members: readonly BackendMember[]): Promise<Map<string, string>> {
  const ids = (type: string) => [...new Set(members.filter((m) => m.type === type).map((m) => m.serverId))]
  const ecsIds = ids('ecs')
  const eniIds = ids('eni')
  // By primary key: a filtered list counts, and walks, every instance (or ENI) of the scope.
  const [instances, enis] = await Promise.all([repos.instances.byIds(ecsIds), repos.networkInterfaces.byIds(eniIds)])
  return new Map([...instances.map((i) => [i.id, i.vpcId] as const), ...enis.map((e) => [e.id, e.vpcId] as const)])
}

/** The default group's members with the VPC of each, for DescribeLoadBalancerAttribute. */
export async function defaultGroupOf(repos: Repositories, lb: LoadBalancer) {
  const members = await repos.serverGroups.members(lb.id)
  return { members, vpcIds: await vpcIdsOf(repos, members) }
}

/**
 * A member already present is refused (DOCS: "cannot be the same as existing backend servers"),
 * except when every item of the call is already present with the same weight and description:
 * that answers as if added and writes nothing. Terraform's `alicloud_slb_backend_server` reuses one
 * request across its Add chunks, so a multiple of 20 replays the last chunk (contract §0.4).
 */
const isReplay = (
  pairs: ReadonlyArray<{ readonly item: BackendServerInput; readonly member: BackendMember }>,
  existing: ReadonlyMap<string, BackendMember>,
): boolean =>
  pairs.every(({ item, member }) => {
    const stored = existing.get(memberKey(member))
    return (
      stored !== undefined &&
      stored.weight === (item.weight ?? DEFAULT_WEIGHT) &&
      (item.description === undefined || stored.description === item.description)
    )
  })

export const addBackendServers: H<'AddBackendServers'> = async (ctx, p) => {
  const items = p.BackendServers ?? []
  if (items.length === 0) return unchanged(ctx, p.LoadBalancerId)
  checkBatchSize(items.length, ctx.config.maxBackendsPerCall)

  const shown = await ctx.store.write(ctx.scope, async (repos) => {
    const lb = await loadBalancerIn(repos, p.LoadBalancerId)
    const target = defaultGroup(lb)
    const distinct = distinctRefs(target, items).map(({ item }) => item)
    const resolved = await resolveMembers(repos, target, distinct, { weight: DEFAULT_WEIGHT })
    // An ENI named with and without its ServerIp resolves to one member: again the first counts.
    const pairs = firstOfEach(
      resolved.map((member, i) => ({ item: distinct[i]!, member })),
      ({ member }) => memberKey(member),
    )
    const existing = new Map((await repos.serverGroups.members(lb.id)).map((m) => [memberKey(m), m]))
    const present = pairs.find(({ member }) => existing.has(memberKey(member)))
    if (present !== undefined) {
      if (isReplay(pairs, existing)) return pairs.map(({ member }) => existing.get(memberKey(member))!)
      throw backendServerExists(present.member.serverId)
    }
    const adding = pairs.map(({ member }) => member)
    checkQuota(
      await repos.serverGroups.countMembersOfLoadBalancer(lb.id),
      adding.length,
      ctx.config.quotas.backendServersPerLoadBalancer,
    )
    await repos.serverGroups.insertMembers(lb.regionId, adding)
    return adding
  })
  return { LoadBalancerId: p.LoadBalancerId, BackendServers: shown.map(presentChanged) }
}

/**
 * Sets Weight and Description of members; an item leaving one out keeps its value. Items naming
 * no member are ignored, as RemoveBackendServers ignores them (contract §2.4, §8.4 unverified).
 */
export const setBackendServers: H<'SetBackendServers'> = async (ctx, p) => {
  const items = p.BackendServers ?? []
  if (items.length === 0) return unchanged(ctx, p.LoadBalancerId)
  checkBatchSize(items.length, ctx.config.maxBackendsPerCall)

  const changed = await ctx.store.write(ctx.scope, async (repos) => {
    const lb = await loadBalancerIn(repos, p.LoadBalancerId)
    const members = await repos.serverGroups.members(lb.id)
    const changes = new Map<string, MemberChange>()
    const named = namedBy(members)
    for (const { item, ref } of distinctRefs(defaultGroup(lb), items)) {
      for (const member of named(ref)) {
        const key = memberKey(member)
        const patch = { weight: item.weight, description: item.description }
        if (!changes.has(key)) changes.set(key, { member, patch })
      }
    }
    await repos.serverGroups.updateMembers([...changes.values()])
    return [...changes.values()].map(({ member, patch }) => patched(member, patch))
  })
  return { LoadBalancerId: p.LoadBalancerId, BackendServers: changed.map(presentChanged) }
}

/** Removes the named members; absent ones are ignored (contract §2.1). Answers with the members left. */
export const removeBackendServers: H<'RemoveBackendServers'> = async (ctx, p) => {
  checkBatchSize(p.BackendServers.length, ctx.config.maxBackendsPerCall)

  const { remaining, vpcIds } = await ctx.store.write(ctx.scope, async (repos) => {
    const lb = await loadBalancerIn(repos, p.LoadBalancerId)
    const members = await repos.serverGroups.members(lb.id)
    const refs = distinctRefs(defaultGroup(lb), p.BackendServers).map(({ ref }) => ref)
    const removing = matchedBy(members, refs)
    await repos.serverGroups.removeMembers(removing)
    const remaining = members.filter((m) => !removing.includes(m))
    return { remaining, vpcIds: await vpcIdsOf(repos, remaining) }
  })
  return { LoadBalancerId: p.LoadBalancerId, BackendServers: remaining.map((m) => presentRemaining(m, vpcIds)) }
}
