/**
 * VServer groups and their members (contract §2.5): every mutation is one transaction that checks
 * everything before its first write, and answers with the group's membership after the call.
 */
import type { BackendServerInput } from '../api/protocol/backend-servers.js'
import type { Handler } from '../api/route.js'
import type { ParamShape, Shape } from '../api/spec/dsl.js'
import type * as spec from '../api/spec/vserver-groups.js'
import { checkBatchSize, checkQuota, DEFAULT_WEIGHT, firstOfEach } from '../domain/backend-rules.js'
import {
  backendServerExists,
  invalidParameterMessage,
  loadBalancerNotFound,
  tagCountLimit,
  vServerGroupInUse,
  vServerGroupNotFound,
} from '../domain/errors.js'
import { newVServerGroupId } from '../domain/ids.js'
import { memberKey, type BackendMember, type Tag, type VServerGroup } from '../domain/model.js'
import type { MemberPatch, Repositories, TagMatch } from '../store/repository.js'
import {
  matchedBy,
  matches,
  namedBy,
  patched,
  refOf,
  resolveMembers,
  type MemberRef,
  type Target,
} from './backend-resolution.js'
import type { ActionContext } from './context.js'
import { listenersUsingGroup } from './listeners.js'
import { presentAttribute, presentItem, presentMember, type AssociatedObjects } from './present/vserver-groups.js'
import { regionScope } from './private-network.js'
import { tagMatchesFromParams, tagsFromParams } from './tags.js'

type H<S extends { params: ParamShape; response: Readonly<Record<string, Shape>> }> = Handler<
  S['params'],
  S['response']
>

// The seed's rule for ModifyVServerGroupBackendServers, found in no other source (contract §2.5, §8.5).
const countMismatch = () =>
  invalidParameterMessage('The number of OldBackendServers must be equal to the number of NewBackendServers.')
// A replacement of a server that is not in the group would silently change less than asked (contract §8).
const oldNotMember = () =>
  invalidParameterMessage(
    'The specified OldBackendServers is invalid; some of the specified backend servers are not in the VServer group.',
  )

/** Listeners and forwarding rules that use a group. */
interface GroupUsers {
  readonly listeners: ReadonlyArray<{ readonly port: number; readonly protocol: string }>
  readonly rules: ReadonlyArray<GroupRule>
}

interface GroupRule {
  readonly id: string
  readonly domain: string
  readonly url: string
  readonly name: string
}

/**
 * Who uses each group: DescribeVServerGroups reports them and DeleteVServerGroup refuses a group in
 * use (contract §2.5). Forwarding rules are not implemented, so no group has any.
 */
const usersOf = async (repos: Repositories, groupIds: readonly string[]): Promise<Map<string, GroupUsers>> => {
  const out = new Map<string, GroupUsers>()
  for (const id of groupIds) out.set(id, { listeners: await listenersUsingGroup(repos, id), rules: [] })
  return out
}

interface Loaded {
  readonly group: VServerGroup
  readonly target: Target
}

/** The group and its load balancer; a group of another region is not found (contract §0.5). */
const loadGroup = async (repos: Repositories, id: string): Promise<Loaded> => {
  const group = await repos.serverGroups.getGroup(id)
  if (group === undefined) throw vServerGroupNotFound()
  const loadBalancer = await repos.loadBalancers.get(group.loadBalancerId)
  if (loadBalancer === undefined) throw vServerGroupNotFound()
  return { group, target: { loadBalancer, groupId: group.id, withPort: true } }
}

/**
 * The members `items` add to a group holding `current`. Each resolves to a Running ECS instance or an ENI
 * (else ObtainIpFail); the first item of an identity wins (contract §2.1). Re-adding a member whose given
 * Weight and Description match the stored ones is a no-op, so Terraform's replayed batch succeeds
 * (contract §0.4); one that contradicts them is ServerIpConflict — attributes change through
 * SetVServerGroupAttribute.
 */
const membersToAdd = async (
  repos: Repositories,
  target: Target,
  current: readonly BackendMember[],
  items: readonly BackendServerInput[],
): Promise<BackendMember[]> => {
  const resolved = await resolveMembers(repos, target, items, { weight: DEFAULT_WEIGHT })
  const pairs = firstOfEach(
    resolved.map((member, i) => ({ member, item: items[i]! })),
    ({ member }) => memberKey(member),
  )
  const existing = new Map(current.map((m) => [memberKey(m), m]))
  const added: BackendMember[] = []
  for (const { member, item } of pairs) {
    const found = existing.get(memberKey(member))
    if (found === undefined) {
      added.push(member)
      continue
    }
    const sameWeight = item.weight === undefined || item.weight === found.weight
    const sameDescription = item.description === undefined || item.description === found.description
    if (!sameWeight || !sameDescription) throw backendServerExists(member.serverId)
  }
  return added
}

/** Memberships of the load balancer after `leaving` go and `adding` come must fit its quota (contract §6). */
const checkRoom = async (
  ctx: ActionContext,
  repos: Repositories,
  target: Target,
  adding: number,
  leaving = 0,
): Promise<void> => {
  if (adding === 0) return
  const existing = await repos.serverGroups.countMembersOfLoadBalancer(target.loadBalancer.id)
  checkQuota(existing - leaving, adding, ctx.config.quotas.backendServersPerLoadBalancer)
}

const refKey = (ref: MemberRef): string => `${ref.serverId}|${ref.serverIp ?? '*'}|${ref.port}`

export const createVServerGroup: H<typeof spec.CreateVServerGroup> = async (ctx, p) => {
  const scope = regionScope(ctx.scope)
  const tags = tagsFromParams(p.Tag ?? [])
  if (tags.length > ctx.config.quotas.tagsPerResource) throw tagCountLimit()
  const items = p.BackendServers ?? []
  checkBatchSize(items.length, ctx.config.maxBackendsPerCall)
  const { id, members } = await ctx.store.write(scope, async (repos) => {
    const loadBalancer = await repos.loadBalancers.get(p.LoadBalancerId)
    if (loadBalancer === undefined) throw loadBalancerNotFound()
    const id = newVServerGroupId(scope.regionId)
    const target: Target = { loadBalancer, groupId: id, withPort: true }
    const added = await membersToAdd(repos, target, [], items)
    await checkRoom(ctx, repos, target, added.length)
    await repos.serverGroups.insertGroup({
      id,
      regionId: loadBalancer.regionId,
      loadBalancerId: loadBalancer.id,
      // A group created without a name is named after its ID, as ECS names unnamed instances.
      name: p.VServerGroupName ?? id,
      createdAt: ctx.now(),
    })
    await repos.serverGroups.insertMembers(loadBalancer.regionId, added)
    await repos.tags.put('vservergroup', id, tags)
    return { id, members: added }
  })
  return { VServerGroupId: id, BackendServers: members.map(presentMember) }
}

export const addVServerGroupBackendServers: H<typeof spec.AddVServerGroupBackendServers> = async (ctx, p) => {
  checkBatchSize(p.BackendServers.length, ctx.config.maxBackendsPerCall)
  const members = await ctx.store.write(ctx.scope, async (repos) => {
    const { group, target } = await loadGroup(repos, p.VServerGroupId)
    const current = await repos.serverGroups.members(group.id)
    const added = await membersToAdd(repos, target, current, p.BackendServers)
    await checkRoom(ctx, repos, target, added.length)
    await repos.serverGroups.insertMembers(target.loadBalancer.regionId, added)
    return [...current, ...added]
  })
  // The whole membership after the call, as the DOCS sample suggests (contract §2.5, §8.3).
  return { VServerGroupId: p.VServerGroupId, BackendServers: members.map(presentMember) }
}

// Servers that are not members are ignored without error (contract §2.1); Port is still required.
export const removeVServerGroupBackendServers: H<typeof spec.RemoveVServerGroupBackendServers> = async (ctx, p) => {
  checkBatchSize(p.BackendServers.length, ctx.config.maxBackendsPerCall)
  const members = await ctx.store.write(ctx.scope, async (repos) => {
    const { group, target } = await loadGroup(repos, p.VServerGroupId)
    const refs = p.BackendServers.map((item) => refOf(target, item))
    const current = await repos.serverGroups.members(group.id)
    const removed = matchedBy(current, refs)
    await repos.serverGroups.removeMembers(removed)
    return current.filter((m) => !removed.includes(m))
  })
  return { VServerGroupId: p.VServerGroupId, BackendServers: members.map(presentMember) }
}

/**
 * Replaces Old by New atomically (contract §2.5): equal counts (seed rule), every Old a member, New
 * resolved like Add. A New member equal to a removed Old one is re-added with New's attributes.
 */
export const modifyVServerGroupBackendServers: H<typeof spec.ModifyVServerGroupBackendServers> = async (
  ctx,
  p,
) => {
  const oldItems = p.OldBackendServers ?? []
  const newItems = p.NewBackendServers ?? []
  if (oldItems.length !== newItems.length) throw countMismatch()
  checkBatchSize(oldItems.length, ctx.config.maxBackendsPerCall)
  const members = await ctx.store.write(ctx.scope, async (repos) => {
    const { group, target } = await loadGroup(repos, p.VServerGroupId)
    const refs = oldItems.map((item) => refOf(target, item))
    const current = await repos.serverGroups.members(group.id)
    if (refs.some((ref) => !current.some((m) => matches(m, ref)))) throw oldNotMember()
    const removed = matchedBy(current, refs)
    const remaining = current.filter((m) => !removed.includes(m))
    const added = await membersToAdd(repos, target, remaining, newItems)
    // The quota counts the group after the replacement.
    await checkRoom(ctx, repos, target, added.length, removed.length)
    await repos.serverGroups.removeMembers(removed)
    await repos.serverGroups.insertMembers(target.loadBalancer.regionId, added)
    return [...remaining, ...added]
  })
  return { VServerGroupId: p.VServerGroupId, BackendServers: members.map(presentMember) }
}

/**
 * Renames the group and changes members' Weight and Description (contract §2.5). Items are matched by
 * (ServerId, Port[, ServerIp]); items naming no member are ignored, like removals of absent servers
 * (contract §0.4, §8.4). Nothing is added.
 */
export const setVServerGroupAttribute: H<typeof spec.SetVServerGroupAttribute> = async (ctx, p) => {
  const items = p.BackendServers ?? []
  checkBatchSize(items.length, ctx.config.maxBackendsPerCall)
  const { name, members } = await ctx.store.write(ctx.scope, async (repos) => {
    const { group, target } = await loadGroup(repos, p.VServerGroupId)
    const changes = firstOfEach(
      items.map((item) => ({ item, ref: refOf(target, item) })),
      ({ ref }) => refKey(ref),
    )
    if (p.VServerGroupName !== undefined && p.VServerGroupName !== group.name) {
      await repos.serverGroups.renameGroup(group.id, p.VServerGroupName)
    }
    const current = await repos.serverGroups.members(group.id)
    // Of several items naming one member (an ENI with and without its ServerIp), the later wins field by field.
    const patches = new Map<BackendMember, MemberPatch>()
    const named = namedBy(current)
    for (const { item, ref } of changes) {
      for (const member of named(ref)) {
        const weight = item.weight !== undefined && item.weight !== member.weight ? item.weight : undefined
        const description =
          item.description !== undefined && item.description !== member.description ? item.description : undefined
        const before = patches.get(member)
        patches.set(member, { weight: weight ?? before?.weight, description: description ?? before?.description })
      }
    }
    await repos.serverGroups.updateMembers([...patches].map(([member, patch]) => ({ member, patch })))
    return { name: p.VServerGroupName ?? group.name, members: current.map((m) => patched(m, patches.get(m) ?? {})) }
  })
  return { VServerGroupId: p.VServerGroupId, VServerGroupName: name, BackendServers: members.map(presentMember) }
}

// The group, its members and its tags go in one transaction (contract §2.5).
export const deleteVServerGroup: H<typeof spec.DeleteVServerGroup> = async (ctx, p) => {
  await ctx.store.write(ctx.scope, async (repos) => {
    const { group } = await loadGroup(repos, p.VServerGroupId)
    const users = (await usersOf(repos, [group.id])).get(group.id)
    if (users !== undefined && users.listeners.length > 0) throw vServerGroupInUse()
    await repos.tags.remove('vservergroup', group.id, undefined)
    await repos.serverGroups.deleteGroup(group.id)
  })
  return {}
}

export const describeVServerGroupAttribute: H<typeof spec.DescribeVServerGroupAttribute> = async (ctx, p) => {
  const found = await ctx.store.read(ctx.scope, async (repos) => {
    const group = await repos.serverGroups.getGroup(p.VServerGroupId)
    if (group === undefined) return undefined
    const members = await repos.serverGroups.members(group.id)
    const tags = await repos.tags.forResources('vservergroup', [group.id])
    return { group, members, tags: tags.get(group.id) ?? [] }
  })
  if (found === undefined) throw vServerGroupNotFound()
  return presentAttribute(found.group, found.members, found.tags)
}

const hasTags = (tags: readonly Tag[], match: readonly TagMatch[]): boolean =>
  match.every((m) => tags.some((t) => t.key === m.key && (m.value === undefined || t.value === m.value)))

const presentUsers = (users: GroupUsers | undefined, p: { IncludeListener: boolean; IncludeRule: boolean }) => {
  if (!p.IncludeListener && !p.IncludeRule) return undefined
  const associated: AssociatedObjects = {
    Listeners: p.IncludeListener
      ? (users?.listeners ?? []).map((l) => ({ Port: l.port, Protocol: l.protocol }))
      : undefined,
    Rules: p.IncludeRule
      ? (users?.rules ?? []).map((r) => ({ RuleId: r.id, Domain: r.domain, Url: r.url, RuleName: r.name }))
      : undefined,
  }
  return associated
}

/**
 * The groups of one load balancer, oldest first, without paging (contract §2.5). `Description` matches
 * group names containing it; `Tag.N` keeps groups carrying every given tag (a key alone matches any value).
 */
export const describeVServerGroups: H<typeof spec.DescribeVServerGroups> = async (ctx, p) => {
  const match = tagMatchesFromParams(p.Tag)
  const groups = await ctx.store.read(ctx.scope, async (repos) => {
    const lb = await repos.loadBalancers.get(p.LoadBalancerId)
    if (lb === undefined) throw loadBalancerNotFound()
    const named = (await repos.serverGroups.listGroups(lb.id)).filter(
      (g) => p.Description === undefined || g.name.includes(p.Description),
    )
    const ids = named.map((g) => g.id)
    const tags = await repos.tags.forResources('vservergroup', ids)
    const chosen = named.filter((g) => hasTags(tags.get(g.id) ?? [], match))
    const counts = await repos.serverGroups.countMembers(chosen.map((g) => g.id))
    const users = await usersOf(repos, chosen.map((g) => g.id))
    return chosen.map((g) =>
      presentItem(g, counts.get(g.id) ?? 0, tags.get(g.id) ?? [], presentUsers(users.get(g.id), p)),
    )
  })
  return { VServerGroups: groups }
}
