/**
 * Listeners: Create/Set/Describe per protocol (TCP, UDP, HTTP), the listener list, Start/Stop/Delete and
 * DescribeHealthStatus (contract §2.3, §2.4). RegionId is optional for all of them (META, contract §2.0).
 * Parameters of another protocol are not declared, so they are ignored like any unknown parameter.
 */
import {
  healthCheckExpInvalid,
  healthCheckReqInvalid,
  listenerBandwidthInvalid,
  listenerPortInvalid,
  listenerProtocolInvalid,
  tagCreateCountLimit,
} from '../../domain/errors.js'
import { SCHEDULERS_BY_PROTOCOL } from '../../domain/schedulers.js'
import { SLB_VERSION, defineAction } from './action.js'
import { tagList } from './common.js'
import { p, r } from './dsl.js'

export const LISTENER_PROTOCOLS = ['tcp', 'udp', 'http', 'https'] as const
export const HTTP_CODES = ['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx'] as const

const INTEGER = /^-?\d+$/

/** An integer that is one of `extra` or within [min, max]. */
const intOr = (min: number, max: number, extra: readonly number[]) =>
  p.json((raw, fail) => {
    const text = raw.trim()
    if (!INTEGER.test(text)) return fail()
    const n = Number(text)
    return extra.includes(n) || (n >= min && n <= max) ? n : fail()
  })

const loadBalancerId = () => p.string({ max: 64 }).required()
// "The specified port is not valid." (contract §5.5) for the listener's own port.
const listenerPort = () => p.int({ min: 1, max: 65535 }).invalid(listenerPortInvalid)
const port = () => p.int({ min: 1, max: 65535 })
const onOff = () => p.enum(['on', 'off'] as const, { caseInsensitive: true })
const groupId = () => p.string({ max: 64 })
const protocol = () => p.enum(LISTENER_PROTOCOLS, { caseInsensitive: true }).invalid(listenerProtocolInvalid)
// -1 (no cap) or 1–5120 Mbit/s (contract §2.3).
const bandwidth = () => intOr(1, 5120, [-1]).invalid(listenerBandwidthInvalid)
// 1–65535, or -520: "the backend server's port", which is also what leaving it out means.
const healthCheckConnectPort = () => intOr(1, 65535, [-520])
const threshold = () => p.int({ min: 2, max: 10 })
// 1–80 printable characters starting with '/'.
const healthCheckUri = () => p.string({ pattern: /^\/[\x21-\x7e]{0,79}$/ })
// `$_ip` (the member's address) or a host name.
const healthCheckDomain = () => p.string({ pattern: /^(\$_ip|[A-Za-z0-9.-]{1,80})$/ })

/** A comma list of http_2xx…http_5xx, each once, in the order given. */
const healthCheckHttpCode = () =>
  p.json((raw, fail) => {
    const items = raw.split(',').map((s) => s.trim().toLowerCase())
    if (items.some((i) => !(HTTP_CODES as readonly string[]).includes(i))) return fail()
    return [...new Set(items)].join(',')
  })

// UDP check payloads: 1–64 letters and digits (zh DOCS UDP listener pages, contract §5.5).
const udpPayload = () => p.string({ pattern: /^[A-Za-z0-9]{1,64}$/ })
// A cookie name: 1–200 printable ASCII characters without ',' ';' or a leading '$'.
const COOKIE = /^(?!\$)[\x21-\x2b\x2d-\x3a\x3c-\x7e]{1,200}$/

/** Where a listener forwards and how it is described; shared by every Create and Set. */
const common = {
  LoadBalancerId: loadBalancerId(),
  Bandwidth: bandwidth(),
  BackendServerPort: port(),
  VServerGroupId: groupId(),
  MasterSlaveServerGroupId: groupId(),
  // Returned byte for byte: the CCM keys ownership on it (contract §2.3).
  Description: p.string({ max: 256 }),
  AclStatus: onOff(),
  AclType: p.enum(['white', 'black'] as const, { caseInsensitive: true }),
  AclId: p.string({ max: 64 }),
  MaxConnection: p.int({ min: 0, max: 1_000_000 }),
  // Both spellings arrive: the Go SDK's create structs say healthCheckInterval (contract §2.3).
  HealthCheckInterval: p.int({ min: 1, max: 50 }).alias('healthCheckInterval'),
  HealthCheckConnectPort: healthCheckConnectPort(),
  HealthyThreshold: threshold(),
  UnhealthyThreshold: threshold(),
} as const

/** TCP and UDP: persistence, draining, the health-check switch and its connect timeout. */
const layer4 = {
  PersistenceTimeout: p.int({ min: 0, max: 3600 }),
  ConnectionDrain: onOff(),
  ConnectionDrainTimeout: p.int({ min: 10, max: 900 }),
  HealthCheckSwitch: onOff(),
  // Terraform sends HealthCheckTimeout to TCP/UDP listeners too, with the same value (contract §7.4).
  HealthCheckConnectTimeout: p.int({ min: 1, max: 300 }).alias('HealthCheckTimeout'),
  ProxyProtocolV2Enabled: p.bool(),
  FullNatEnabled: p.bool(),
} as const

/** TCP only: the established-connection timeout and HTTP-style checks of TCP backends. */
const tcpOnly = {
  Scheduler: p.enum(SCHEDULERS_BY_PROTOCOL.tcp),
  EstablishedTimeout: p.int({ min: 10, max: 900 }),
  HealthCheckType: p.enum(['tcp', 'http'] as const, { caseInsensitive: true }),
  HealthCheckURI: healthCheckUri(),
  HealthCheckDomain: healthCheckDomain(),
  HealthCheckHttpCode: healthCheckHttpCode(),
  HealthCheckMethod: p.enum(['head', 'get'] as const, { caseInsensitive: true }),
  HealthCheckTcpFastCloseEnabled: p.bool(),
} as const

/** UDP only: the check's request and expected reply (lower-case spellings in META), QUIC version. */
const udpOnly = {
  Scheduler: p.enum(SCHEDULERS_BY_PROTOCOL.udp),
  HealthCheckReq: udpPayload().alias('healthCheckReq').invalid(healthCheckReqInvalid),
  HealthCheckExp: udpPayload().alias('healthCheckExp').invalid(healthCheckExpInvalid),
  QuicVersion: p.string({ max: 16 }),
} as const

/** HTTP: stickiness, HTTP checks, timeouts, compression and forwarded headers. */
const httpOnly = {
  Scheduler: p.enum(SCHEDULERS_BY_PROTOCOL.http),
  StickySession: onOff(),
  StickySessionType: p.enum(['insert', 'server'] as const, { caseInsensitive: true }),
  CookieTimeout: p.int({ min: 1, max: 86400 }),
  Cookie: p.string({ pattern: COOKIE }),
  HealthCheckType: p.enum(['tcp', 'http'] as const, { caseInsensitive: true }),
  HealthCheckURI: healthCheckUri(),
  HealthCheckDomain: healthCheckDomain(),
  HealthCheckHttpCode: healthCheckHttpCode(),
  HealthCheckMethod: p.enum(['head', 'get'] as const, { caseInsensitive: true }),
  HealthCheckHttpVersion: p.enum(['HTTP1.0', 'HTTP1.1'] as const, { caseInsensitive: true }),
  // Terraform sends HealthCheckConnectTimeout to HTTP listeners too, with the same value (contract §7.4).
  HealthCheckTimeout: p.int({ min: 1, max: 300 }).alias('HealthCheckConnectTimeout'),
  IdleTimeout: p.int({ min: 1, max: 60 }),
  RequestTimeout: p.int({ min: 1, max: 180 }),
  Gzip: onOff(),
  XForwardedFor: onOff(),
  XForwardedFor_SLBID: onOff(),
  XForwardedFor_SLBIP: onOff(),
  XForwardedFor_proto: onOff(),
  XForwardedFor_SLBPORT: onOff(),
  XForwardedFor_ClientSrcPort: onOff(),
  ForwardCode: p.int({ min: 300, max: 399 }),
} as const

const created = {
  ListenerPort: listenerPort().required(),
  Tag: tagList().invalid(tagCreateCountLimit),
} as const

/** Set*ListenerAttribute: which group kind the listener forwards to (contract §2.3). */
const switches = {
  ListenerPort: listenerPort().required(),
  VServerGroup: onOff(),
  MasterSlaveServerGroup: onOff(),
} as const

export const LISTENER_PARAMS = { common, layer4, tcpOnly, udpOnly, httpOnly, switches } as const

export const CreateLoadBalancerTCPListener = defineAction({
  name: 'CreateLoadBalancerTCPListener',
  version: SLB_VERSION,
  region: 'optional',
  params: { ...common, ...layer4, ...tcpOnly, ...created },
  response: {},
})

export const CreateLoadBalancerUDPListener = defineAction({
  name: 'CreateLoadBalancerUDPListener',
  version: SLB_VERSION,
  region: 'optional',
  params: { ...common, ...layer4, ...udpOnly, ...created },
  response: {},
})

export const CreateLoadBalancerHTTPListener = defineAction({
  name: 'CreateLoadBalancerHTTPListener',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    ...common,
    ...httpOnly,
    ...created,
    // META requires HealthCheck; absent reads as the documented default of every other protocol, on.
    HealthCheck: onOff().default('on'),
    ListenerForward: onOff(),
    ForwardPort: port(),
  },
  response: {},
})

export const SetLoadBalancerTCPListenerAttribute = defineAction({
  name: 'SetLoadBalancerTCPListenerAttribute',
  version: SLB_VERSION,
  region: 'optional',
  params: { ...common, ...layer4, ...tcpOnly, ...switches, SynProxy: p.enum(['enable', 'disable'] as const) },
  response: {},
})

export const SetLoadBalancerUDPListenerAttribute = defineAction({
  name: 'SetLoadBalancerUDPListenerAttribute',
  version: SLB_VERSION,
  region: 'optional',
  params: { ...common, ...layer4, ...udpOnly, ...switches },
  response: {},
})

export const SetLoadBalancerHTTPListenerAttribute = defineAction({
  name: 'SetLoadBalancerHTTPListenerAttribute',
  version: SLB_VERSION,
  region: 'optional',
  params: { ...common, ...httpOnly, ...switches, HealthCheck: onOff() },
  response: {},
})

const listenerKey = {
  LoadBalancerId: loadBalancerId(),
  ListenerPort: listenerPort().required(),
} as const

// ---------------------------------------------------------------------------------------------
// Describe*ListenerAttribute: every number is a JSON number — Terraform reads ListenerPort, ports,
// timeouts and thresholds as float64 (contract §0.6; GO describe_load_balancer_*_listener_attribute.go).

const tagShape = r.object({ TagKey: r.string(), TagValue: r.string() })
const portRangeShape = r.object({ StartPort: r.int(), EndPort: r.int() })

const identity = {
  LoadBalancerId: r.string(),
  ListenerPort: r.int(),
  Status: r.string(),
  Description: r.string(),
  ServiceManagedMode: r.string(),
  Bandwidth: r.int(),
  BackendServerPort: r.int(),
  VServerGroupId: r.string(),
  Scheduler: r.string(),
  MaxConnection: r.int(),
  VpcIds: r.string(),
} as const

const checks = {
  HealthCheck: r.string(),
  HealthCheckType: r.string(),
  HealthCheckConnectPort: r.int(),
  HealthCheckInterval: r.int(),
  HealthyThreshold: r.int(),
  UnhealthyThreshold: r.int(),
  HealthCheckURI: r.string(),
  HealthCheckDomain: r.string(),
  HealthCheckHttpCode: r.string(),
  HealthCheckMethod: r.string(),
} as const

const access = {
  AclStatus: r.string(),
  AclType: r.string(),
  AclId: r.string(),
  AclIds: r.list('AclId', r.string()),
} as const

// Primary/secondary failover: no such groups exist here, so these stay empty (GO fields).
const failover = {
  MasterSlaveServerGroupId: r.string(),
  FailoverStrategy: r.string(),
  FailoverThreshold: r.int(),
  MasterSlaveModeEnabled: r.bool(),
  MasterServerGroupId: r.string(),
  SlaveServerGroupId: r.string(),
  WorkingServerGroupId: r.string(),
} as const

const layer4Attribute = {
  PersistenceTimeout: r.int(),
  ConnectionDrain: r.string(),
  ConnectionDrainTimeout: r.int(),
  HealthCheckConnectTimeout: r.int(),
  ProxyProtocolV2Enabled: r.bool(),
  FullNatEnabled: r.bool(),
  PortRanges: r.list('PortRange', portRangeShape),
} as const

export const DescribeLoadBalancerTCPListenerAttribute = defineAction({
  name: 'DescribeLoadBalancerTCPListenerAttribute',
  version: SLB_VERSION,
  region: 'optional',
  params: listenerKey,
  response: {
    ...identity,
    ...failover,
    ...layer4Attribute,
    EstablishedTimeout: r.int(),
    SynProxy: r.string(),
    HealthCheckTcpFastCloseEnabled: r.bool(),
    ...checks,
    ...access,
    Tags: r.list('Tag', tagShape),
  },
})

export const DescribeLoadBalancerUDPListenerAttribute = defineAction({
  name: 'DescribeLoadBalancerUDPListenerAttribute',
  version: SLB_VERSION,
  region: 'optional',
  params: listenerKey,
  response: {
    ...identity,
    ...failover,
    ...layer4Attribute,
    HealthCheckSwitch: r.string(),
    ...checks,
    HealthCheckReq: r.string(),
    HealthCheckExp: r.string(),
    QuicVersion: r.string(),
    ...access,
    Tags: r.list('Tag', tagShape),
  },
})

const ruleShape = r.object({
  RuleId: r.string(),
  RuleName: r.string(),
  Domain: r.string(),
  Url: r.string(),
  VServerGroupId: r.string(),
})

/** The HTTP options as both the attribute body and the list's HTTPListenerConfig carry them. */
const httpOptions = {
  StickySession: r.string(),
  StickySessionType: r.string(),
  CookieTimeout: r.int(),
  Cookie: r.string(),
  HealthCheckTimeout: r.int(),
  HealthCheckHttpVersion: r.string(),
  IdleTimeout: r.int(),
  RequestTimeout: r.int(),
  Gzip: r.string(),
  XForwardedFor: r.string(),
  XForwardedFor_SLBID: r.string(),
  XForwardedFor_SLBIP: r.string(),
  XForwardedFor_proto: r.string(),
  XForwardedFor_SLBPORT: r.string(),
  XForwardedFor_ClientSrcPort: r.string(),
  ListenerForward: r.string(),
  ForwardPort: r.int(),
  ForwardCode: r.int(),
} as const

export const DescribeLoadBalancerHTTPListenerAttribute = defineAction({
  name: 'DescribeLoadBalancerHTTPListenerAttribute',
  version: SLB_VERSION,
  region: 'optional',
  params: listenerKey,
  response: {
    ...identity,
    ...checks,
    ...httpOptions,
    SecurityStatus: r.string(),
    ...access,
    Rules: r.list('Rule', ruleShape),
    Tags: r.list('Tag', tagShape),
  },
})

// ---------------------------------------------------------------------------------------------
// DescribeLoadBalancerListeners: `Listeners`, `AclIds` and `Tags` are bare arrays, and inside the
// *ListenerConfig blocks ProxyProtocolV2Enabled and FullNatEnabled are strings (contract §2.3, §4.1;
// GO struct_tcp_listener_config.go).

const layer4Config = {
  ...checks,
  HealthCheckSwitch: r.string(),
  HealthCheckConnectTimeout: r.int(),
  PersistenceTimeout: r.int(),
  ConnectionDrain: r.string(),
  ConnectionDrainTimeout: r.int(),
  ProxyProtocolV2Enabled: r.string(),
  FullNatEnabled: r.string(),
  MasterSlaveServerGroupId: r.string(),
  MasterSlaveModeEnabled: r.bool(),
  MasterServerGroupId: r.string(),
  SlaveServerGroupId: r.string(),
  FailoverThreshold: r.int(),
  FailoverStrategy: r.string(),
  MaxConnection: r.int(),
  PortRanges: r.bareList(portRangeShape),
} as const

export const tcpListenerConfig = r.object({
  ...layer4Config,
  EstablishedTimeout: r.int(),
  HealthCheckTcpFastCloseEnabled: r.bool(),
})

export const udpListenerConfig = r.object({
  ...layer4Config,
  HealthCheckReq: r.string(),
  HealthCheckExp: r.string(),
  QuicVersion: r.string(),
})

export const httpListenerConfig = r.object({ ...checks, ...httpOptions, MaxConnection: r.int() })

export const listenerItem = r.object({
  LoadBalancerId: r.string(),
  ListenerPort: r.int(),
  ListenerProtocol: r.string(),
  Status: r.string(),
  Bandwidth: r.int(),
  BackendServerPort: r.int(),
  Scheduler: r.string(),
  VServerGroupId: r.string(),
  Description: r.string(),
  AclId: r.string(),
  AclStatus: r.string(),
  AclType: r.string(),
  ServiceManagedMode: r.string(),
  AclIds: r.bareList(r.string()),
  Tags: r.bareList(tagShape),
  // Only the block of the listener's own protocol.
  TCPListenerConfig: r.opt(tcpListenerConfig),
  UDPListenerConfig: r.opt(udpListenerConfig),
  HTTPListenerConfig: r.opt(httpListenerConfig),
})

export const DescribeLoadBalancerListeners = defineAction({
  name: 'DescribeLoadBalancerListeners',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: p.list({ max: 64 }, { maxItems: 10 }),
    ListenerProtocol: protocol(),
    ListenerPort: listenerPort(),
    Description: p.string({ max: 256 }),
    MaxResults: p.int({ min: 1, max: 100 }).default(20),
    NextToken: p.string({ max: 512 }),
    Tag: tagList(),
  },
  response: {
    NextToken: r.string(),
    MaxResults: r.int(),
    TotalCount: r.int(),
    Listeners: r.bareList(listenerItem),
  },
})

// ---------------------------------------------------------------------------------------------
// Start / Stop / Delete: ListenerProtocol is needed only when several protocols share the port.

const byPort = { ...listenerKey, ListenerProtocol: protocol() } as const

export const StartLoadBalancerListener = defineAction({
  name: 'StartLoadBalancerListener',
  version: SLB_VERSION,
  region: 'optional',
  params: byPort,
  response: {},
})

export const StopLoadBalancerListener = defineAction({
  name: 'StopLoadBalancerListener',
  version: SLB_VERSION,
  region: 'optional',
  params: byPort,
  response: {},
})

export const DeleteLoadBalancerListener = defineAction({
  name: 'DeleteLoadBalancerListener',
  version: SLB_VERSION,
  region: 'optional',
  params: byPort,
  response: {},
})

/** One row per (listener, member) (contract §2.4; TS DescribeHealthStatusResponseBody). */
export const healthRow = r.object({
  ListenerPort: r.int(),
  Port: r.int(),
  Protocol: r.string(),
  ServerId: r.string(),
  ServerIp: r.string(),
  ServerHealthStatus: r.string(),
  EniHost: r.string(),
  Type: r.string(),
})

export const DescribeHealthStatus = defineAction({
  name: 'DescribeHealthStatus',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: loadBalancerId(),
    ListenerPort: listenerPort(),
    ListenerProtocol: protocol(),
  },
  response: {
    BackendServers: r.list('BackendServer', healthRow),
  },
})
