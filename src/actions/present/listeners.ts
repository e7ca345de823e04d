/**
 * Listeners on the wire: the three Describe*ListenerAttribute bodies, a DescribeLoadBalancerListeners
 * item with its per-protocol config block, and a DescribeHealthStatus row (contract §2.3, §2.4).
 * Unset attributes show their documented defaults (domain/listener-defaults.ts).
 */
import type { Output } from '../../api/spec/dsl.js'
import type {
  DescribeLoadBalancerHTTPListenerAttribute,
  DescribeLoadBalancerTCPListenerAttribute,
  DescribeLoadBalancerUDPListenerAttribute,
  healthRow,
  httpListenerConfig,
  listenerItem,
  tcpListenerConfig,
  udpListenerConfig,
} from '../../api/spec/listeners.js'
import { effectiveAttributes, type EffectiveAttributes } from '../../domain/listener-defaults.js'
import type { Listener } from '../../domain/listener.js'
import type { BackendMember, Tag } from '../../domain/model.js'
import { presentTag } from './tags.js'

type TcpAttribute = Output<(typeof DescribeLoadBalancerTCPListenerAttribute)['response']>
type UdpAttribute = Output<(typeof DescribeLoadBalancerUDPListenerAttribute)['response']>
type HttpAttribute = Output<(typeof DescribeLoadBalancerHTTPListenerAttribute)['response']>
type Item = Output<(typeof listenerItem)['fields']>
type TcpConfig = Output<(typeof tcpListenerConfig)['fields']>
type UdpConfig = Output<(typeof udpListenerConfig)['fields']>
type HttpConfig = Output<(typeof httpListenerConfig)['fields']>
export type HealthRow = Output<(typeof healthRow)['fields']>

const identity = (l: Listener, a: EffectiveAttributes) => ({
  LoadBalancerId: l.loadBalancerId,
  ListenerPort: l.port,
  Status: l.status,
  Description: l.description,
  ServiceManagedMode: '',
  Bandwidth: l.bandwidth,
  BackendServerPort: l.backendServerPort,
  VServerGroupId: l.vServerGroupId,
  Scheduler: l.scheduler,
  MaxConnection: a.maxConnection,
  VpcIds: '',
})

const checks = (a: EffectiveAttributes) => ({
  HealthCheck: a.healthCheck,
  HealthCheckType: a.healthCheckType,
  HealthCheckConnectPort: a.healthCheckConnectPort,
  HealthCheckInterval: a.healthCheckInterval,
  HealthyThreshold: a.healthyThreshold,
  UnhealthyThreshold: a.unhealthyThreshold,
  HealthCheckURI: a.healthCheckURI,
  HealthCheckDomain: a.healthCheckDomain,
  HealthCheckHttpCode: a.healthCheckHttpCode,
  HealthCheckMethod: a.healthCheckMethod,
})

const aclIds = (a: EffectiveAttributes): string[] => (a.aclId === '' ? [] : [a.aclId])

const access = (a: EffectiveAttributes) => ({
  AclStatus: a.aclStatus,
  AclType: a.aclType,
  AclId: a.aclId,
  AclIds: aclIds(a),
})

const failover = (a: EffectiveAttributes) => ({
  MasterSlaveServerGroupId: a.masterSlaveServerGroupId,
  FailoverStrategy: '',
  FailoverThreshold: 0,
  MasterSlaveModeEnabled: false,
  MasterServerGroupId: '',
  SlaveServerGroupId: '',
  WorkingServerGroupId: '',
})

const layer4 = (a: EffectiveAttributes) => ({
  PersistenceTimeout: a.persistenceTimeout,
  ConnectionDrain: a.connectionDrain,
  ConnectionDrainTimeout: a.connectionDrainTimeout,
  HealthCheckConnectTimeout: a.healthCheckConnectTimeout,
})

const httpOptions = (a: EffectiveAttributes) => ({
  StickySession: a.stickySession,
  StickySessionType: a.stickySessionType,
  CookieTimeout: a.cookieTimeout,
  Cookie: a.cookie,
  HealthCheckTimeout: a.healthCheckTimeout,
  HealthCheckHttpVersion: a.healthCheckHttpVersion,
  IdleTimeout: a.idleTimeout,
  RequestTimeout: a.requestTimeout,
  Gzip: a.gzip,
  XForwardedFor: a.xForwardedFor,
  XForwardedFor_SLBID: a.xForwardedForSlbId,
  XForwardedFor_SLBIP: a.xForwardedForSlbIp,
  XForwardedFor_proto: a.xForwardedForProto,
  XForwardedFor_SLBPORT: a.xForwardedForSlbPort,
  XForwardedFor_ClientSrcPort: a.xForwardedForClientSrcPort,
  ListenerForward: a.listenerForward,
  ForwardPort: a.forwardPort,
  ForwardCode: a.forwardCode,
})

export const presentTcpAttribute = (l: Listener, tags: readonly Tag[]): TcpAttribute => {
  const a = effectiveAttributes(l.protocol, l.attributes)
  return {
    ...identity(l, a),
    ...failover(a),
    ...layer4(a),
    // Booleans here, strings in the list's config blocks (contract §2.3).
    ProxyProtocolV2Enabled: a.proxyProtocolV2Enabled,
    FullNatEnabled: a.fullNatEnabled,
    PortRanges: [],
    EstablishedTimeout: a.establishedTimeout,
    SynProxy: a.synProxy,
    HealthCheckTcpFastCloseEnabled: a.healthCheckTcpFastCloseEnabled,
    ...checks(a),
    ...access(a),
    Tags: tags.map(presentTag),
  }
}

export const presentUdpAttribute = (l: Listener, tags: readonly Tag[]): UdpAttribute => {
  const a = effectiveAttributes(l.protocol, l.attributes)
  return {
    ...identity(l, a),
    ...failover(a),
    ...layer4(a),
    ProxyProtocolV2Enabled: a.proxyProtocolV2Enabled,
    FullNatEnabled: a.fullNatEnabled,
    PortRanges: [],
    HealthCheckSwitch: a.healthCheckSwitch,
    ...checks(a),
    HealthCheckReq: a.healthCheckReq,
    HealthCheckExp: a.healthCheckExp,
    QuicVersion: a.quicVersion,
    ...access(a),
    Tags: tags.map(presentTag),
  }
}

export const presentHttpAttribute = (l: Listener, tags: readonly Tag[]): HttpAttribute => {
  const a = effectiveAttributes(l.protocol, l.attributes)
  return {
    ...identity(l, a),
    ...checks(a),
    ...httpOptions(a),
    SecurityStatus: '',
    ...access(a),
    // Forwarding rules are not part of this server.
    Rules: [],
    Tags: tags.map(presentTag),
  }
}

const layer4Config = (a: EffectiveAttributes) => ({
  ...checks(a),
  ...layer4(a),
  HealthCheckSwitch: a.healthCheckSwitch,
  // Strings inside the *ListenerConfig blocks (GO struct_tcp_listener_config.go, contract §2.3).
  ProxyProtocolV2Enabled: String(a.proxyProtocolV2Enabled),
  FullNatEnabled: String(a.fullNatEnabled),
  MasterSlaveServerGroupId: a.masterSlaveServerGroupId,
  MasterSlaveModeEnabled: false,
  MasterServerGroupId: '',
  SlaveServerGroupId: '',
  FailoverThreshold: 0,
  FailoverStrategy: '',
  MaxConnection: a.maxConnection,
  PortRanges: [],
})

const tcpConfig = (a: EffectiveAttributes): TcpConfig => ({
  ...layer4Config(a),
  EstablishedTimeout: a.establishedTimeout,
  HealthCheckTcpFastCloseEnabled: a.healthCheckTcpFastCloseEnabled,
})

const udpConfig = (a: EffectiveAttributes): UdpConfig => ({
  ...layer4Config(a),
  HealthCheckReq: a.healthCheckReq,
  HealthCheckExp: a.healthCheckExp,
  QuicVersion: a.quicVersion,
})

const httpConfig = (a: EffectiveAttributes): HttpConfig => ({
  ...checks(a),
  ...httpOptions(a),
  MaxConnection: a.maxConnection,
})

/** A DescribeLoadBalancerListeners item: `AclIds` and `Tags` bare, one config block (contract §2.3). */
export const presentListItem = (l: Listener, tags: readonly Tag[]): Item => {
  const a = effectiveAttributes(l.protocol, l.attributes)
  return {
    LoadBalancerId: l.loadBalancerId,
    ListenerPort: l.port,
    ListenerProtocol: l.protocol,
    Status: l.status,
    Bandwidth: l.bandwidth,
    BackendServerPort: l.backendServerPort,
    Scheduler: l.scheduler,
    VServerGroupId: l.vServerGroupId,
    Description: l.description,
    AclId: a.aclId,
    AclStatus: a.aclStatus,
    AclType: a.aclType,
    ServiceManagedMode: '',
    AclIds: aclIds(a),
    Tags: tags.map(presentTag),
    TCPListenerConfig: l.protocol === 'tcp' ? tcpConfig(a) : undefined,
    UDPListenerConfig: l.protocol === 'udp' ? udpConfig(a) : undefined,
    HTTPListenerConfig: l.protocol === 'http' ? httpConfig(a) : undefined,
  }
}

/**
 * A DescribeHealthStatus row. Port is the member's own in a VServer group and the listener's
 * BackendServerPort for the default group, whose members carry no port (contract §2.4).
 */
export const presentHealthRow = (
  l: Listener,
  member: BackendMember,
  serverIp: string,
  status: 'normal' | 'abnormal' | 'unavailable',
): HealthRow => ({
  ListenerPort: l.port,
  Port: l.vServerGroupId === '' ? l.backendServerPort : member.port,
  Protocol: l.protocol,
  ServerId: member.serverId,
  ServerIp: serverIp,
  ServerHealthStatus: status,
  EniHost: '',
  Type: member.type,
})
