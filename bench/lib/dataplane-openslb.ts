/**
 * OpenSLB's builtin data plane as a benchmark target: instances, a load balancer, VServer groups and
 * HTTP/TCP/UDP listeners configured through signed API calls alone, and the per-backend counters of
 * /_openslb/stats.
 */
import { get } from 'node:http'
import { HOST, type OpenSlb } from './openslb-server.js'
import { freePortOn, HEALTH_PATH, type Endpoint } from './peers.js'
import { callOnce } from './signed-request.js'
import { UDP_PROBE } from './udp-echo.js'

const SLB = '2014-05-15'
const ECS = '2014-05-26'
const REGION = 'cn-hangzhou'

export type Protocol = 'http' | 'tcp' | 'udp'

export interface SlbBackend extends Endpoint {
  readonly weight: number
}

export interface SlbListener extends Endpoint {
  readonly protocol: Protocol
  /** `${loadBalancerId}/${protocol}/${port}`, as /_openslb/stats names it. */
  readonly key: string
}

export interface SlbSetup {
  readonly loadBalancerId: string
  readonly address: string
  /** ServerId per backend host. */
  readonly serverIds: ReadonlyMap<string, string>
  readonly tcpGroupId: string
  readonly udpGroupId: string
  readonly listeners: Readonly<Partial<Record<Protocol, SlbListener>>>
  /** Listeners that could not be created or started, with the error. */
  readonly failed: ReadonlyArray<readonly [Protocol, string]>
}

/** A signed GET; throws on a non-200 answer or a body carrying `Code`. */
export async function call(
  slb: OpenSlb,
  action: string,
  params: Record<string, string | number>,
  version = SLB,
): Promise<Record<string, unknown>> {
  const strings = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]))
  const { status, body } = await callOnce({ host: HOST, port: slb.port }, slb.key, { action, version, params: strings })
  if (status !== 200 || 'Code' in body) throw new Error(`${action} failed: HTTP ${status} ${JSON.stringify(body)}`)
  return body
}

const membersJson = (ids: ReadonlyMap<string, string>, backends: readonly SlbBackend[]): string =>
  JSON.stringify(backends.map((b) => ({ ServerId: ids.get(b.host), Port: b.port, Weight: b.weight })))

/** Health checks as a customer would leave them on; `off` when `healthCheck` is false. */
function healthParams(protocol: Protocol, healthCheck: boolean): Record<string, string | number> {
  if (!healthCheck) return protocol === 'http' ? { HealthCheck: 'off' } : { HealthCheckSwitch: 'off' }
  const common = { HealthCheckInterval: 2, HealthyThreshold: 3, UnhealthyThreshold: 3 }
  if (protocol === 'http') return { HealthCheck: 'on', HealthCheckURI: HEALTH_PATH, HealthCheckTimeout: 5, ...common }
  if (protocol === 'tcp') {
    return { HealthCheckSwitch: 'on', HealthCheckType: 'tcp', HealthCheckConnectTimeout: 5, ...common }
  }
  return {
    HealthCheckSwitch: 'on',
    HealthCheckReq: UDP_PROBE,
    HealthCheckExp: UDP_PROBE,
    HealthCheckConnectTimeout: 5,
    ...common,
  }
}

/**
 * One load balancer; a VServer group of the nginx backends (HTTP and TCP listeners) and one of the
 * UDP echo backends; the listeners of `protocols`, started. Resolves once /_openslb/stats shows each.
 */
export async function configure(
  slb: OpenSlb,
  hosts: readonly string[],
  tcpBackends: readonly SlbBackend[],
  udpBackends: readonly SlbBackend[],
  protocols: readonly Protocol[],
  healthCheck: boolean,
): Promise<SlbSetup> {
  const serverIds = new Map<string, string>()
  for (const host of hosts) {
    const res = await call(slb, 'RunInstances', { RegionId: REGION, PrivateIpAddress: host }, ECS)
    const ids = (res['InstanceIdSets'] as { InstanceIdSet: string[] }).InstanceIdSet
    serverIds.set(host, ids[0]!)
  }
  const lb = await call(slb, 'CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'bench-dataplane' })
  const loadBalancerId = lb['LoadBalancerId'] as string
  const address = lb['Address'] as string
  const group = async (name: string, backends: readonly SlbBackend[]): Promise<string> => {
    const res = await call(slb, 'CreateVServerGroup', {
      RegionId: REGION,
      LoadBalancerId: loadBalancerId,
      VServerGroupName: name,
      BackendServers: membersJson(serverIds, backends),
    })
    return res['VServerGroupId'] as string
  }
  const tcpGroupId = await group('nginx', tcpBackends)
  const udpGroupId = await group('udp-echo', udpBackends)

  const listeners: Partial<Record<Protocol, SlbListener>> = {}
  const failed: Array<readonly [Protocol, string]> = []
  for (const protocol of protocols) {
    const port = await freePortOn(address, protocol === 'udp' ? 'udp' : 'tcp')
    const action = `CreateLoadBalancer${protocol.toUpperCase()}Listener`
    try {
      await call(slb, action, {
        RegionId: REGION,
        LoadBalancerId: loadBalancerId,
        ListenerPort: port,
        Bandwidth: -1,
        VServerGroupId: protocol === 'udp' ? udpGroupId : tcpGroupId,
        Scheduler: 'wrr',
        ...(protocol === 'http' ? { StickySession: 'off', XForwardedFor: 'on' } : {}),
        ...healthParams(protocol, healthCheck),
      })
      await call(slb, 'StartLoadBalancerListener', {
        RegionId: REGION,
        LoadBalancerId: loadBalancerId,
        ListenerPort: port,
        ListenerProtocol: protocol,
      })
      const key = `${loadBalancerId}/${protocol}/${port}`
      await waitForListener(slb, key)
      listeners[protocol] = { protocol, host: address, port, key }
    } catch (err) {
      // One protocol's listener failing must not stop the others being measured.
      failed.push([protocol, err instanceof Error ? err.message : String(err)])
    }
  }
  return { loadBalancerId, address, serverIds, tcpGroupId, udpGroupId, listeners, failed }
}

/** SetVServerGroupAttribute with new weights for the same members (the reconfiguration mode). */
export async function setWeights(
  slb: OpenSlb,
  setup: SlbSetup,
  backends: readonly SlbBackend[],
): Promise<void> {
  await call(slb, 'SetVServerGroupAttribute', {
    RegionId: REGION,
    VServerGroupId: setup.tcpGroupId,
    BackendServers: membersJson(setup.serverIds, backends),
  })
}

export interface BackendStat {
  readonly listenerKey: string
  readonly serverId: string
  readonly address: string
  readonly port: number
  readonly connections: number
  readonly activeConnections: number
  readonly requests: number
  readonly failures: number
}

/** GET /_openslb/stats: the data plane's per-backend counters. */
export function dataplaneStats(slb: OpenSlb): Promise<BackendStat[]> {
  return new Promise((resolve, reject) => {
    const req = get(`http://${HOST}:${slb.port}/_openslb/stats`, { timeout: 10_000, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => {
        try {
          resolve((JSON.parse(text) as { backends: BackendStat[] }).backends)
        } catch {
          reject(new Error(`/_openslb/stats: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 300)}`))
        }
      })
    })
    req.on('timeout', () => req.destroy(new Error('/_openslb/stats: no answer within 10 s')))
    req.on('error', reject)
  })
}

async function waitForListener(slb: OpenSlb, key: string): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!(await dataplaneStats(slb)).some((s) => s.listenerKey === key)) {
    if (Date.now() > deadline) throw new Error(`/_openslb/stats does not show ${key} after 15 s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
