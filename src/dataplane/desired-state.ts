/**
 * The pure function from committed rows to the data plane's snapshot: each running listener of an
 * active load balancer, with its members resolved to addresses and its attributes converted from
 * Alibaba's units (seconds, on/off) to the data plane's (milliseconds, booleans).
 */
import { memberKey, type BackendMember } from '../domain/model.js'
import type { Listener, ListenerAttributes } from '../domain/listener.js'
import type { DataplaneRows, ServerLocation } from '../store/repository.js'
import type { BackendTarget, DataplaneSnapshot, HealthCheckSpec, HttpOptions, ListenerSpec } from './snapshot.js'

// Alibaba's documented defaults where an attribute was never set (contract §2.3).
const SECONDS = 1000
const DEFAULT_CONNECT_TIMEOUT_S = 5
const DEFAULT_ESTABLISHED_TIMEOUT_S = 900
const DEFAULT_UDP_FLOW_IDLE_S = 90
const DEFAULT_HEALTH_INTERVAL_S = 2
const DEFAULT_HEALTH_TIMEOUT_S = 5
const DEFAULT_THRESHOLD = 3
const DEFAULT_DRAIN_TIMEOUT_S = 300
const DEFAULT_IDLE_TIMEOUT_S = 15
const DEFAULT_REQUEST_TIMEOUT_S = 60
const DEFAULT_COOKIE_TIMEOUT_S = 1000

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
  const a = listener.attributes
  const drain = a.connectionDrain === 'on' ? (a.connectionDrainTimeout ?? DEFAULT_DRAIN_TIMEOUT_S) * SECONDS : undefined
  return {
    key: listenerKey(listener),
    loadBalancerId: listener.loadBalancerId,
    protocol,
    address,
    port: listener.port,
    scheduler: listener.scheduler,
    backends: targets(listener, members, servers),
    healthCheck: healthCheck(protocol, a),
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_S * SECONDS,
    idleTimeoutMs:
      protocol === 'udp'
        ? DEFAULT_UDP_FLOW_IDLE_S * SECONDS
        : (a.establishedTimeout ?? DEFAULT_ESTABLISHED_TIMEOUT_S) * SECONDS,
    persistenceTimeoutMs: (a.persistenceTimeout ?? 0) * SECONDS,
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

function healthCheck(protocol: 'tcp' | 'udp' | 'http', a: ListenerAttributes): HealthCheckSpec | undefined {
  const enabled = protocol === 'http' ? a.healthCheck !== 'off' : (a.healthCheckSwitch ?? a.healthCheck) !== 'off'
  if (!enabled) return undefined
  const type = protocol === 'udp' ? 'udp' : protocol === 'http' ? 'http' : (a.healthCheckType ?? 'tcp')
  const timeout = protocol === 'http' ? a.healthCheckTimeout : a.healthCheckConnectTimeout
  const codes = (a.healthCheckHttpCode ?? 'http_2xx')
    .split(',')
    .map((c) => c.trim())
    .filter((c): c is HealthCheckSpec['httpCodes'][number] => /^http_[2-5]xx$/.test(c))
  return {
    type,
    port: a.healthCheckConnectPort,
    intervalMs: (a.healthCheckInterval ?? DEFAULT_HEALTH_INTERVAL_S) * SECONDS,
    timeoutMs: (timeout ?? DEFAULT_HEALTH_TIMEOUT_S) * SECONDS,
    healthyThreshold: a.healthyThreshold ?? DEFAULT_THRESHOLD,
    unhealthyThreshold: a.unhealthyThreshold ?? DEFAULT_THRESHOLD,
    uri: a.healthCheckURI ?? '/',
    // `$_ip` means "the backend's own IP" as Host (contract §2.3).
    domain: a.healthCheckDomain === undefined || a.healthCheckDomain === '$_ip' ? '' : a.healthCheckDomain,
    method: a.healthCheckMethod?.toLowerCase() === 'get' ? 'get' : 'head',
    httpCodes: codes.length === 0 ? ['http_2xx'] : codes,
    request: a.healthCheckReq ?? '',
    expect: a.healthCheckExp ?? '',
  }
}

function httpOptions(a: ListenerAttributes): HttpOptions {
  return {
    xForwardedFor: a.xForwardedFor !== 'off',
    xForwardedProto: a.xForwardedForProto === 'on',
    xForwardedSlbId: a.xForwardedForSlbId === 'on',
    xForwardedSlbIp: a.xForwardedForSlbIp === 'on',
    xForwardedSlbPort: a.xForwardedForSlbPort === 'on',
    xForwardedClientSrcPort: a.xForwardedForClientSrcPort === 'on',
    stickySession:
      a.stickySession === 'on'
        ? {
            type: a.stickySessionType ?? 'insert',
            cookieTimeoutSeconds: a.cookieTimeout ?? DEFAULT_COOKIE_TIMEOUT_S,
            cookie: a.cookie ?? '',
          }
        : undefined,
    idleTimeoutMs: (a.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_S) * SECONDS,
    requestTimeoutMs: (a.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_S) * SECONDS,
  }
}
