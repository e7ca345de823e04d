/**
 * The desired state of the data plane: a plain, versioned value built from committed rows by a pure
 * function, diffed against what runs, and applied by a driver (DESIGN.md principle 5).
 */
import type { SchedulerName } from '../domain/schedulers.js'

export type ListenerProtocol = 'tcp' | 'udp' | 'http'

export interface BackendTarget {
  /** The member's identity in its group (memberKey), stable across snapshots. */
  readonly id: string
  readonly serverId: string
  /** Where to connect: the instance's private IP or the ENI's address. */
  readonly address: string
  readonly port: number
  /** 0 means drain: no new connections, established ones finish. */
  readonly weight: number
  /** False when the instance is not Running: no new connections, like weight 0. */
  readonly available: boolean
}

export interface HealthCheckSpec {
  readonly type: 'tcp' | 'http' | 'udp'
  /** Probe this port instead of the member's own. */
  readonly port: number | undefined
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly healthyThreshold: number
  readonly unhealthyThreshold: number
  /** HTTP: path, Host header ('' → the backend IP, as `$_ip`), method and accepted status classes. */
  readonly uri: string
  readonly domain: string
  readonly method: 'head' | 'get'
  readonly httpCodes: ReadonlyArray<'http_2xx' | 'http_3xx' | 'http_4xx' | 'http_5xx'>
  /** UDP: request payload and the expected reply (empty → any reply, or no ICMP error). */
  readonly request: string
  readonly expect: string
}

export interface StickySession {
  readonly type: 'insert' | 'server'
  /** insert: cookie lifetime; server: the application's cookie name. */
  readonly cookieTimeoutSeconds: number
  readonly cookie: string
}

export interface HttpOptions {
  readonly xForwardedFor: boolean
  readonly xForwardedProto: boolean
  readonly xForwardedSlbId: boolean
  readonly xForwardedSlbIp: boolean
  readonly xForwardedSlbPort: boolean
  readonly xForwardedClientSrcPort: boolean
  readonly stickySession: StickySession | undefined
  readonly idleTimeoutMs: number
  readonly requestTimeoutMs: number
}

export interface ListenerSpec {
  /** `${loadBalancerId}/${protocol}/${port}`. */
  readonly key: string
  readonly loadBalancerId: string
  readonly protocol: ListenerProtocol
  /** The load balancer's address and the listener port: what gets bound. */
  readonly address: string
  readonly port: number
  readonly scheduler: SchedulerName
  readonly backends: readonly BackendTarget[]
  readonly healthCheck: HealthCheckSpec | undefined
  readonly connectTimeoutMs: number
  /** TCP: idle time before an established connection is closed; UDP: flow idle expiry. */
  readonly idleTimeoutMs: number
  /** Source-IP session persistence (TCP/UDP PersistenceTimeout), 0 = off. */
  readonly persistenceTimeoutMs: number
  /** How long a drained member's connections may live on; undefined = until they end. */
  readonly drainTimeoutMs: number | undefined
  readonly http: HttpOptions | undefined
}

export interface DataplaneSnapshot {
  /** The store generation this snapshot was built from. */
  readonly generation: number
  /** Only running listeners of active load balancers. */
  readonly listeners: readonly ListenerSpec[]
}
