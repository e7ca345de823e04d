/**
 * The pure function from committed rows to the data plane's snapshot: each running listener of an
 * active load balancer, with its members resolved to addresses and its attributes converted from
 * Alibaba's units (seconds, on/off) to the data plane's (milliseconds, booleans).
 */
import { memberKey, type BackendMember } from '../domain/model.js'
import type { Listener } from '../domain/listener.js'
import { effectiveAttributes, type EffectiveAttributes } from '../domain/listener-defaults.js'
import type { DataplaneRows, ServerLocation } from '../store/repository.js'
import type { BackendTarget, DataplaneSnapshot, HealthCheckSpec, HttpOptions, ListenerSpec } from './snapshot.js'

const SECONDS = 1000
// Connecting to a backend: not a listener attribute in the API.
const CONNECT_TIMEOUT_S = 5
// UDP listeners have no EstablishedTimeout; a flow idle this long is forgotten.
const UDP_FLOW_IDLE_S = 90
// Insert-cookie lifetime when a listener sets none.
const COOKIE_TIMEOUT_S = 1000

export const listenerKey = (l: Pick<Listener, 'loadBalancerId' | 'protocol' | 'port'>): string =>
  `${l.loadBalancerId}/${l.protocol}/${l.port}`

export function buildSnapshot(rows: DataplaneRows): DataplaneSnapshot {
  const listeners: ListenerSpec[] = []
  for (const { listener, address } of rows.listeners) {
    // HTTPS needs certificates, which this server does not hold yet.
    if (listener.protocol === 'https') continue
    const groupId = listener.vServerGroupId || listener.loadBalancerId
    const members = rows.members.get(groupId) ?? []
    listeners.push(toSpec(listener, listener.protocol, address, members, rows.servers))
  }
  return { generation: rows.generation, listeners }
}

function toSpec(
  listener: Listener,
  protocol: 'tcp' | 'udp' | 'http',
  address: string,
  members: readonly BackendMember[],
  servers: ReadonlyMap<string, ServerLocation>,
): ListenerSpec {
  // The same effective attributes Describe shows: one source of defaults (listener-defaults.ts).
  const a = effectiveAttributes(listener.protocol, listener.attributes)
  const drain = a.connectionDrain === 'on' ? a.connectionDrainTimeout * SECONDS : undefined
  return {
    key: listenerKey(listener),
    loadBalancerId: listener.loadBalancerId,
    protocol,
    address,
    port: listener.port,
    scheduler: listener.scheduler,
    backends: targets(listener, members, servers),
    healthCheck: healthCheck(protocol, a),
    connectTimeoutMs: CONNECT_TIMEOUT_S * SECONDS,
    idleTimeoutMs: (protocol === 'udp' ? UDP_FLOW_IDLE_S : a.establishedTimeout) * SECONDS,
    persistenceTimeoutMs: a.persistenceTimeout * SECONDS,
    drainTimeoutMs: drain,
    http: protocol === 'http' ? httpOptions(a) : undefined,
  }
}

function targets(
  listener: Listener,
  members: readonly BackendMember[],
  servers: ReadonlyMap<string, ServerLocation>,
): BackendTarget[] {
  const out: BackendTarget[] = []
  for (const m of members) {
    const server = servers.get(m.serverId)
    if (server === undefined) continue
    // The default group's members take the listener's BackendServerPort (contract §2.1).
    const port = m.port === 0 ? listener.backendServerPort : m.port
    if (port === 0) continue
    out.push({
      id: memberKey(m),
      serverId: m.serverId,
      address: m.serverIp || server.address,
      port,
      weight: m.weight,
      available: server.running,
    })
  }
  return out
}

function healthCheck(protocol: 'tcp' | 'udp' | 'http', a: EffectiveAttributes): HealthCheckSpec | undefined {
  if (a.healthCheck === 'off') return undefined
  const type = protocol === 'udp' ? 'udp' : protocol === 'http' ? 'http' : a.healthCheckType === 'http' ? 'http' : 'tcp'
  const codes = a.healthCheckHttpCode
    .split(',')
    .map((c) => c.trim())
    .filter((c): c is HealthCheckSpec['httpCodes'][number] => /^http_[2-5]xx$/.test(c))
  return {
    type,
    // 0: each member on its own port.
    port: a.healthCheckConnectPort > 0 ? a.healthCheckConnectPort : undefined,
    intervalMs: a.healthCheckInterval * SECONDS,
    timeoutMs: a.healthCheckTimeout * SECONDS,
    healthyThreshold: a.healthyThreshold,
    unhealthyThreshold: a.unhealthyThreshold,
    uri: a.healthCheckURI === '' ? '/' : a.healthCheckURI,
    // `$_ip` means "the backend's own IP" as Host (contract §2.3).
    domain: a.healthCheckDomain === '$_ip' ? '' : a.healthCheckDomain,
    method: a.healthCheckMethod.toLowerCase() === 'get' ? 'get' : 'head',
    httpCodes: codes.length === 0 ? ['http_2xx'] : codes,
    request: a.healthCheckReq,
    expect: a.healthCheckExp,
  }
}

function httpOptions(a: EffectiveAttributes): HttpOptions {
  return {
    xForwardedFor: a.xForwardedFor === 'on',
    xForwardedProto: a.xForwardedForProto === 'on',
    xForwardedSlbId: a.xForwardedForSlbId === 'on',
    xForwardedSlbIp: a.xForwardedForSlbIp === 'on',
    xForwardedSlbPort: a.xForwardedForSlbPort === 'on',
    xForwardedClientSrcPort: a.xForwardedForClientSrcPort === 'on',
    stickySession:
      a.stickySession === 'on'
        ? {
            type: a.stickySessionType === 'server' ? 'server' : 'insert',
            cookieTimeoutSeconds: a.cookieTimeout > 0 ? a.cookieTimeout : COOKIE_TIMEOUT_S,
            cookie: a.cookie,
          }
        : undefined,
    idleTimeoutMs: a.idleTimeout * SECONDS,
    requestTimeoutMs: a.requestTimeout * SECONDS,
  }
}
