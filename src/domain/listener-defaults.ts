/**
 * The documented default of every listener attribute, per protocol (contract §2.3), and a listener's
 * effective attributes: what Describe shows and what the data plane runs for anything a client left out.
 */
import type { ListenerAttributes, ListenerProtocol } from './listener.js'

/** `-1`: no bandwidth cap (contract §2.3). */
export const DEFAULT_LISTENER_BANDWIDTH = -1

/** Every attribute with a value; `healthCheck`/`healthCheckSwitch` and the two timeouts agree. */
export type EffectiveAttributes = Omit<
  Required<ListenerAttributes>,
  'healthCheckType' | 'stickySessionType' | 'aclType'
> & {
  readonly healthCheckType: 'tcp' | 'http' | 'udp'
  /** '' until StickySession is configured. */
  readonly stickySessionType: '' | 'insert' | 'server'
  /** '' until access control is configured. */
  readonly aclType: '' | 'white' | 'black'
}

// Values from the contract (§2.3) and the DOCS samples it quotes: health check on every 2 s, thresholds
// 3/3, 5 s check timeout, EstablishedTimeout 900, IdleTimeout 15, RequestTimeout 60, http_2xx, Gzip and
// X-Forwarded-For on. Terraform's alicloud_slb_listener schema defaults agree (uri "/", timeout 5).
const COMMON: EffectiveAttributes = {
  persistenceTimeout: 0,
  establishedTimeout: 900,
  connectionDrain: 'off',
  // Only used when ConnectionDrain is on; the contract gives the range 10–900 and no default.
  connectionDrainTimeout: 300,
  healthCheck: 'on',
  healthCheckSwitch: 'on',
  healthCheckType: 'tcp',
  // 0: probe each member on its own port.
  healthCheckConnectPort: 0,
  healthCheckConnectTimeout: 5,
  healthCheckTimeout: 5,
  healthCheckInterval: 2,
  healthyThreshold: 3,
  unhealthyThreshold: 3,
  healthCheckURI: '/',
  // '' is `$_ip`: the member's own address as the Host header.
  healthCheckDomain: '',
  healthCheckHttpCode: 'http_2xx',
  healthCheckMethod: 'head',
  healthCheckHttpVersion: 'HTTP1.0',
  // UDP: empty request and expectation, any reply (or no ICMP error) counts as healthy.
  healthCheckReq: '',
  healthCheckExp: '',
  stickySession: 'off',
  stickySessionType: '',
  cookieTimeout: 0,
  cookie: '',
  idleTimeout: 15,
  requestTimeout: 60,
  gzip: 'on',
  xForwardedFor: 'on',
  xForwardedForSlbId: 'off',
  xForwardedForSlbIp: 'off',
  xForwardedForProto: 'off',
  xForwardedForSlbPort: 'off',
  xForwardedForClientSrcPort: 'off',
  listenerForward: 'off',
  forwardPort: 0,
  // The redirect status of an HTTP→HTTPS forwarding listener.
  forwardCode: 302,
  aclStatus: 'off',
  aclType: '',
  aclId: '',
  proxyProtocolV2Enabled: false,
  fullNatEnabled: false,
  healthCheckTcpFastCloseEnabled: false,
  synProxy: 'disable',
  // 0: no connection cap.
  maxConnection: 0,
  quicVersion: '',
  masterSlaveServerGroupId: '',
}

/** The defaults of one protocol: only the health-check type differs (UDP probes with datagrams). */
export const LISTENER_DEFAULTS: Readonly<Record<ListenerProtocol, EffectiveAttributes>> = {
  tcp: COMMON,
  udp: { ...COMMON, healthCheckType: 'udp' },
  http: { ...COMMON, healthCheckType: 'http' },
  https: { ...COMMON, healthCheckType: 'http' },
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>

/**
 * The stored attributes over the protocol's defaults. HTTP keeps its switch in `healthCheck` and its
 * timeout in `healthCheckTimeout`, TCP/UDP in `healthCheckSwitch` and `healthCheckConnectTimeout`; both
 * names of each come out equal, so readers need not know which protocol stored it.
 */
export function effectiveAttributes(protocol: ListenerProtocol, stored: ListenerAttributes): EffectiveAttributes {
  const base = LISTENER_DEFAULTS[protocol]
  const merged = { ...base, ...defined(stored) }
  const layer7 = protocol === 'http' || protocol === 'https'
  const healthCheck = layer7 ? merged.healthCheck : merged.healthCheckSwitch
  const timeout = layer7 ? merged.healthCheckTimeout : merged.healthCheckConnectTimeout
  return {
    ...merged,
    healthCheckType: protocol === 'udp' ? 'udp' : merged.healthCheckType,
    healthCheck,
    healthCheckSwitch: healthCheck,
    healthCheckTimeout: timeout,
    healthCheckConnectTimeout: timeout,
  }
}
