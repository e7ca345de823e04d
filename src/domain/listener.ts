/**
 * Listeners: the port a load balancer forwards, its protocol, target group and attributes
 * (contract §2.3). Attributes keep Alibaba's meaning and units (seconds, on/off) and are stored as
 * given; the data plane converts them in dataplane/desired-state.ts.
 */
import type { SchedulerName } from './schedulers.js'

export type ListenerProtocol = 'tcp' | 'udp' | 'http' | 'https'
export type ListenerStatus = 'running' | 'stopped'
type OnOff = 'on' | 'off'

/** Every attribute is optional: absent means the documented default (listener-defaults.ts). */
export interface ListenerAttributes {
  // Scheduling and timeouts (TCP/UDP).
  readonly persistenceTimeout?: number
  readonly establishedTimeout?: number
  readonly connectionDrain?: OnOff
  readonly connectionDrainTimeout?: number
  // Health check (all protocols; `healthCheck` is HTTP's switch, `healthCheckSwitch` TCP/UDP's).
  readonly healthCheck?: OnOff
  readonly healthCheckSwitch?: OnOff
  readonly healthCheckType?: 'tcp' | 'http'
  readonly healthCheckConnectPort?: number
  readonly healthCheckConnectTimeout?: number
  readonly healthCheckTimeout?: number
  readonly healthCheckInterval?: number
  readonly healthyThreshold?: number
  readonly unhealthyThreshold?: number
  readonly healthCheckURI?: string
  readonly healthCheckDomain?: string
  readonly healthCheckHttpCode?: string
  readonly healthCheckMethod?: string
  readonly healthCheckHttpVersion?: string
  readonly healthCheckReq?: string
  readonly healthCheckExp?: string
  // HTTP.
  readonly stickySession?: OnOff
  readonly stickySessionType?: 'insert' | 'server'
  readonly cookieTimeout?: number
  readonly cookie?: string
  readonly idleTimeout?: number
  readonly requestTimeout?: number
  readonly gzip?: OnOff
  readonly xForwardedFor?: OnOff
  readonly xForwardedForSlbId?: OnOff
  readonly xForwardedForSlbIp?: OnOff
  readonly xForwardedForProto?: OnOff
  readonly xForwardedForSlbPort?: OnOff
  readonly xForwardedForClientSrcPort?: OnOff
  readonly listenerForward?: OnOff
  readonly forwardPort?: number
  readonly forwardCode?: number
  // Access control and other flags, stored and echoed.
  readonly aclStatus?: OnOff
  readonly aclType?: 'white' | 'black'
  readonly aclId?: string
  readonly proxyProtocolV2Enabled?: boolean
  readonly fullNatEnabled?: boolean
  readonly healthCheckTcpFastCloseEnabled?: boolean
  readonly synProxy?: string
  readonly maxConnection?: number
  readonly quicVersion?: string
  readonly masterSlaveServerGroupId?: string
}

export interface Listener {
  readonly loadBalancerId: string
  readonly regionId: string
  readonly protocol: ListenerProtocol
  readonly port: number
  readonly status: ListenerStatus
  /** 0 when the listener forwards to a VServer group. */
  readonly backendServerPort: number
  /** '' when the listener forwards to the default server group on backendServerPort. */
  readonly vServerGroupId: string
  readonly scheduler: SchedulerName
  /** -1 = unlimited. */
  readonly bandwidth: number
  readonly description: string
  readonly attributes: ListenerAttributes
  readonly createdAt: number
}

/** The transport a protocol binds: TCP and HTTP(S) clash on a port, UDP does not (contract §2.3). */
export const transportOf = (protocol: ListenerProtocol): 'tcp' | 'udp' => (protocol === 'udp' ? 'udp' : 'tcp')

/** How the data plane names a listener (DescribeHealthStatus reads health by it). */
export const listenerKey = (l: Pick<Listener, 'loadBalancerId' | 'protocol' | 'port'>): string =>
  `${l.loadBalancerId}/${l.protocol}/${l.port}`

/** Tag ResourceId of a listener (contract §6): `<lbId>_<protocol>_<port>`. */
export const listenerResourceId = (l: Pick<Listener, 'loadBalancerId' | 'protocol' | 'port'>): string =>
  `${l.loadBalancerId}_${l.protocol}_${l.port}`

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'http', 'https']

/** The listener a tag ResourceId names, or undefined when it is not of that form. */
export function parseListenerResourceId(
  id: string,
): Pick<Listener, 'loadBalancerId' | 'protocol' | 'port'> | undefined {
  const match = /^(.+)_([a-z]+)_(\d{1,5})$/.exec(id)
  if (match === null || !PROTOCOLS.includes(match[2]!)) return undefined
  const port = Number(match[3])
  if (port < 1 || port > 65535) return undefined
  return { loadBalancerId: match[1]!, protocol: match[2] as ListenerProtocol, port }
}
