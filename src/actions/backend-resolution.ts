/**
 * Turns parsed BackendServers items into members of one server group: every ServerId must resolve
 * to an ECS instance that is Running, or to an ENI (whose address it takes), in the load
 * balancer's account and region — otherwise ObtainIpFail (contract §2.1, §5.4).
 */
import type { BackendServerInput } from '../api/protocol/backend-servers.js'
import { typeOf } from '../domain/backend-rules.js'
import { backendServerPortInvalid, backendServersUnavailable } from '../domain/errors.js'
import type { BackendMember, LoadBalancer } from '../domain/model.js'
import type { MemberPatch, Repositories } from '../store/repository.js'

export interface Target {
  readonly loadBalancer: LoadBalancer
  /** A VServer group id, or the load balancer's id for its default server group. */
  readonly groupId: string
  /** VServer group members carry a port; default-group members take the listener's. */
  readonly withPort: boolean
}

/** The identity a request item names, before it is resolved (ENIs without ServerIp match any of their IPs). */
export interface MemberRef {
  readonly serverId: string
  readonly serverIp: string | undefined
  readonly port: number
}

export function refOf(target: Target, item: BackendServerInput): MemberRef {
  if (target.withPort && item.port === undefined) throw backendServerPortInvalid()
  const type = typeOf(item.serverId, item.type)
  return {
    serverId: item.serverId,
    serverIp: type === 'ecs' ? '' : item.serverIp,
    port: target.withPort ? (item.port ?? 0) : 0,
  }
}

/** Whether a stored member is the one a request item names. */
export const matches = (member: BackendMember, ref: MemberRef): boolean =>
  member.serverId === ref.serverId &&
  member.port === ref.port &&
  (ref.serverIp === undefined || member.serverIp === ref.serverIp)

/** The members a reference names, through one index of `members` by (ServerId, Port); in their order. */
export function namedBy(members: readonly BackendMember[]): (ref: MemberRef) => BackendMember[] {
  const byServerPort = new Map<string, BackendMember[]>()
  for (const m of members) {
    const key = `${m.serverId}|${m.port}`
    const same = byServerPort.get(key)
    if (same === undefined) byServerPort.set(key, [m])
    else same.push(m)
  }
  return (ref) => (byServerPort.get(`${ref.serverId}|${ref.port}`) ?? []).filter((m) => matches(m, ref))
}

/** The members any of `refs` names, in their order. */
export function matchedBy(members: readonly BackendMember[], refs: readonly MemberRef[]): BackendMember[] {
  const named = namedBy(members)
  const hit = new Set(refs.flatMap((ref) => named(ref)))
  return members.filter((m) => hit.has(m))
}

/** A member as a patch leaves it (an undefined field keeps its value). */
export const patched = (member: BackendMember, patch: MemberPatch): BackendMember => ({
  ...member,
  weight: patch.weight ?? member.weight,
  description: patch.description ?? member.description,
})

/**
 * Resolves items to new members of the target group. `weight` and `description` fall back to the
 * given defaults. Every referenced server is looked up once.
 */
export async function resolveMembers(
  repos: Repositories,
  target: Target,
  items: readonly BackendServerInput[],
  defaults: { readonly weight: number },
): Promise<BackendMember[]> {
  const lb = target.loadBalancer
  const ids = (type: string) => [...new Set(items.filter((i) => typeOf(i.serverId, i.type) === type).map((i) => i.serverId))]
  const ecsIds = ids('ecs')
  const eniIds = ids('eni')
  const [instances, enis] = await Promise.all([repos.instances.states(ecsIds), repos.networkInterfaces.byIds(eniIds)])
  const running = new Set(
    [...instances].filter(([, i]) => i.status === 'Running' && i.regionId === lb.regionId).map(([id]) => id),
  )
  const eniIps = new Map(enis.filter((e) => e.regionId === lb.regionId).map((e) => [e.id, e.primaryIp]))

  return items.map((item) => {
    const ref = refOf(target, item)
    const type = typeOf(item.serverId, item.type)
    let serverIp = ''
    if (type === 'ecs') {
      if (!running.has(item.serverId)) throw backendServersUnavailable()
    } else if (type === 'eni') {
      const ip = eniIps.get(item.serverId)
      if (ip === undefined || (item.serverIp !== undefined && item.serverIp !== ip)) throw backendServersUnavailable()
      serverIp = ip
    } else {
      // This server keeps no inventory of elastic container instances, so none can resolve.
      throw backendServersUnavailable()
    }
    return {
      groupId: target.groupId,
      loadBalancerId: lb.id,
      serverId: item.serverId,
      serverIp,
      port: ref.port,
      type,
      weight: item.weight ?? defaults.weight,
      description: item.description ?? '',
    }
  })
}
