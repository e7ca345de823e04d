/**
 * Set-up of the backend-servers benchmark, through the signed API only: a background of N VServer group
 * memberships spread over load balancers of ≤ 200 members, and per load connection its own load
 * balancer with the two groups the mutation loops work on, all behind started TCP listeners.
 */
import type { AccessKey, RequestTemplate } from './signed-request.js'
import { callOnce } from './signed-request.js'

const SLB_VERSION = '2014-05-15'
const ECS_VERSION = '2014-05-26'
export const REGION = 'cn-hangzhou'
/** RunInstances accepts Amount 1–100. */
const INSTANCES_PER_CALL = 100
/** Members per Add call, as the issue's workload sends them. */
export const BATCH = 20
/** The default per-load-balancer quota of memberships (contract §6). */
const MEMBERS_PER_LOAD_BALANCER = 200
/** Members' port: nothing connects to it (no traffic, health checks off). */
const BACKEND_PORT = 8080
/** Listener ports; each load balancer has its own address, so they repeat across load balancers. */
const BACKGROUND_LISTENER_PORT = 9000
const LOOP_LISTENER_PORT = 9001
const SET_LISTENER_PORT = 9002

export interface Api {
  /** One signed call; throws on a non-200 answer or a body with `Code`. */
  call(action: string, params: Record<string, string | number>, version?: string): Promise<Record<string, unknown>>
}

export function apiOf(base: { readonly host: string; readonly port: number }, key: AccessKey): Api {
  return {
    async call(action, params, version = SLB_VERSION) {
      const template: RequestTemplate = {
        action,
        version,
        params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
      }
      const { status, body } = await callOnce(base, key, template)
      if (status !== 200 || 'Code' in body) throw new Error(`${action} failed: HTTP ${status} ${JSON.stringify(body)}`)
      return body
    },
  }
}

/** Runs `fn` over `items` with at most `width` calls in flight. */
export async function inParallel<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane))
  return out
}

const members = (ids: readonly string[], extra: (i: number) => Record<string, number> = () => ({})): string =>
  JSON.stringify(ids.map((id, i) => ({ ServerId: id, Port: BACKEND_PORT, ...extra(i) })))

async function runInstances(api: Api, count: number, width: number): Promise<string[]> {
  const amounts: number[] = []
  for (let left = count; left > 0; left -= INSTANCES_PER_CALL) amounts.push(Math.min(left, INSTANCES_PER_CALL))
  // No PrivateIpAddress: each instance takes the next free address of the instance pool.
  const sets = await inParallel(amounts, width, async (amount) => {
    const body = await api.call('RunInstances', { RegionId: REGION, Amount: amount }, ECS_VERSION)
    return (body['InstanceIdSets'] as { InstanceIdSet: string[] }).InstanceIdSet
  })
  return sets.flat()
}

async function createLoadBalancer(api: Api, name: string): Promise<string> {
  const body = await api.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: name })
  return body['LoadBalancerId'] as string
}

async function createGroup(api: Api, loadBalancerId: string, name: string): Promise<string> {
  const body = await api.call('CreateVServerGroup', {
    RegionId: REGION,
    LoadBalancerId: loadBalancerId,
    VServerGroupName: name,
  })
  return body['VServerGroupId'] as string
}

async function addInBatches(api: Api, groupId: string, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += BATCH) {
    await api.call('AddVServerGroupBackendServers', {
      RegionId: REGION,
      VServerGroupId: groupId,
      BackendServers: members(ids.slice(i, i + BATCH)),
    })
  }
}

/** A started TCP listener forwarding to the group, health check off so nothing probes 10,000 members. */
async function listen(api: Api, loadBalancerId: string, port: number, groupId: string): Promise<void> {
  await api.call('CreateLoadBalancerTCPListener', {
    RegionId: REGION,
    LoadBalancerId: loadBalancerId,
    ListenerPort: port,
    Bandwidth: -1,
    VServerGroupId: groupId,
    HealthCheckSwitch: 'off',
  })
  await api.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: loadBalancerId, ListenerPort: port })
}

export interface StoreSpec {
  /** Background memberships: spread over load balancers of at most 200. */
  readonly background: number
  /** Whether the background groups are behind started listeners (in the data plane) or only stored. */
  readonly liveBackground: boolean
  /** Load connections: each gets its own load balancer and groups. */
  readonly connections: number
  /** Set-up calls in flight. */
  readonly width: number
}

/** Per connection: the Add/Remove loop's group (empty between runs) and the Set loop's group (20 members). */
export interface LoopGroups {
  readonly loadBalancerId: string
  readonly loopGroupId: string
  readonly setGroupId: string
  readonly serverIds: readonly string[]
}

export interface BuiltStore {
  readonly loops: readonly LoopGroups[]
  readonly loadBalancers: number
  readonly instances: number
}

/** Builds the whole store; returns the groups the measurement loops use. */
export async function buildStore(api: Api, spec: StoreSpec): Promise<BuiltStore> {
  const loopInstances = spec.connections * BATCH
  const ids = await runInstances(api, spec.background + loopInstances, spec.width)
  const background = ids.slice(0, spec.background)
  const perLoop = ids.slice(spec.background)

  const chunks: string[][] = []
  for (let i = 0; i < background.length; i += MEMBERS_PER_LOAD_BALANCER) {
    chunks.push(background.slice(i, i + MEMBERS_PER_LOAD_BALANCER))
  }
  const groups = await inParallel(chunks, spec.width, async (chunk) => {
    const lb = await createLoadBalancer(api, 'bench-background')
    const group = await createGroup(api, lb, 'background')
    await addInBatches(api, group, chunk)
    return { lb, group }
  })

  const connections = Array.from({ length: spec.connections }, (_, c) => c)
  const loops = await inParallel(connections, spec.width, async (c): Promise<LoopGroups> => {
    const serverIds = perLoop.slice(c * BATCH, (c + 1) * BATCH)
    const lb = await createLoadBalancer(api, `bench-loop-${c}`)
    const loopGroupId = await createGroup(api, lb, 'add-remove')
    const setGroupId = await createGroup(api, lb, 'set-weights')
    await addInBatches(api, setGroupId, serverIds)
    return { loadBalancerId: lb, loopGroupId, setGroupId, serverIds }
  })

  // Listeners last: filling groups that are already live would cost a data-plane update per call.
  const listeners = [
    ...(spec.liveBackground ? groups.map((g) => ({ lb: g.lb, port: BACKGROUND_LISTENER_PORT, group: g.group })) : []),
    ...loops.flatMap((l) => [
      { lb: l.loadBalancerId, port: LOOP_LISTENER_PORT, group: l.loopGroupId },
      { lb: l.loadBalancerId, port: SET_LISTENER_PORT, group: l.setGroupId },
    ]),
  ]
  await inParallel(listeners, spec.width, (l) => listen(api, l.lb, l.port, l.group))
  return { loops, loadBalancers: chunks.length + loops.length, instances: ids.length }
}

const template = (action: string, params: Record<string, string>): RequestTemplate => ({
  action,
  version: SLB_VERSION,
  params: { RegionId: REGION, ...params },
})

/** Per connection: Add the 20, then Remove the same 20 — the group is empty again after each pair. */
export function addRemoveSequences(loops: readonly LoopGroups[]): RequestTemplate[][] {
  return loops.map((l) => [
    template('AddVServerGroupBackendServers', { VServerGroupId: l.loopGroupId, BackendServers: members(l.serverIds) }),
    template('RemoveVServerGroupBackendServers', {
      VServerGroupId: l.loopGroupId,
      BackendServers: members(l.serverIds),
    }),
  ])
}

/**
 * Per connection: SetVServerGroupAttribute of all 20 members' weights, alternating between 0–9 and
 * 10–19 (`{n%10}`, then `1{n%10}`, filled in by the generator), so every call changes every weight.
 */
export function setWeightSequences(loops: readonly LoopGroups[]): RequestTemplate[][] {
  // Built as text: the weight is a counter placeholder that becomes a JSON number once filled in.
  const weighted = (ids: readonly string[], weight: string): string =>
    `[${ids.map((id) => `{"ServerId":"${id}","Port":${BACKEND_PORT},"Weight":${weight}}`).join(',')}]`
  return loops.map((l) =>
    ['{n%10}', '1{n%10}'].map((weight) =>
      template('SetVServerGroupAttribute', {
        VServerGroupId: l.setGroupId,
        BackendServers: weighted(l.serverIds, weight),
      }),
    ),
  )
}

/** Memberships in the store, counted through DescribeVServerGroups on every load balancer. */
export async function countMemberships(api: Api, width: number): Promise<number> {
  const ids: string[] = []
  for (let page = 1; ; page++) {
    const body = await api.call('DescribeLoadBalancers', { RegionId: REGION, PageSize: 100, PageNumber: page })
    const found = (body['LoadBalancers'] as { LoadBalancer: Array<{ LoadBalancerId: string }> }).LoadBalancer
    ids.push(...found.map((lb) => lb.LoadBalancerId))
    if (found.length < 100) break
  }
  const counts = await inParallel(ids, width, async (id) => {
    const body = await api.call('DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: id })
    const groups = (body['VServerGroups'] as { VServerGroup: Array<{ ServerCount: number }> }).VServerGroup
    return groups.reduce((s, g) => s + g.ServerCount, 0)
  })
  return counts.reduce((s, n) => s + n, 0)
}
