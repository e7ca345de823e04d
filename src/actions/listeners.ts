/**
 * Listeners (contract §2.3): create, change, describe, list, start, stop and delete them, and
 * DescribeHealthStatus (§2.4). Only desired state is written; the data plane converges on it. Every
 * mutation is one transaction that checks everything before its first write.
 */
import type { Handler } from '../api/route.js'
import type { ParamShape, Params, Shape } from '../api/spec/dsl.js'
import type * as spec from '../api/spec/listeners.js'
import type { LISTENER_PARAMS } from '../api/spec/listeners.js'
import {
  invalidParameter,
  invalidParameterMessage,
  listenerAttributeNotFound,
  listenerBandwidthInvalid,
  listenerExists,
  listenerNotFound,
  listenerQuota,
  loadBalancerLocked,
  loadBalancerNotFound,
  masterSlaveGroupNotFound,
  missingParameter,
  serverGroupKindsMismatch,
  tagCountLimit,
  vServerGroupNotFound,
} from '../domain/errors.js'
import { DEFAULT_LISTENER_BANDWIDTH, effectiveAttributes } from '../domain/listener-defaults.js'
import {
  listenerKey,
  listenerResourceId,
  transportOf,
  type Listener,
  type ListenerAttributes,
  type ListenerProtocol,
} from '../domain/listener.js'
import { memberKey, type BackendMember, type LoadBalancer, type Tag } from '../domain/model.js'
import { DEFAULT_SCHEDULER, type SchedulerName } from '../domain/schedulers.js'
import type { Repositories, TagMatch } from '../store/repository.js'
import type { ActionContext } from './context.js'
import {
  presentHealthRow,
  presentHttpAttribute,
  presentListItem,
  presentTcpAttribute,
  presentUdpAttribute,
  type HealthRow,
} from './present/listeners.js'
import { tagMatchesFromParams, tagsFromParams } from './tags.js'

type S = { params: ParamShape; response: Readonly<Record<string, Shape>> }
type H<T extends S> = Handler<T['params'], T['response']>

// contract §6: listeners-per-slb.
const DEFAULT_LISTENER_QUOTA = 50

// META: ListenerProtocol "is required if the same port is used by listeners of different protocols".
const protocolAmbiguous = () =>
  invalidParameterMessage(
    'The specified ListenerPort is used by listeners of several protocols; ListenerProtocol is required.',
  )

// ---------------------------------------------------------------------------------------------
// Parameters → stored attributes. Only what the client gave is stored; the rest stays at its default.

type CommonP = Params<typeof LISTENER_PARAMS.common>
type Layer4P = Params<typeof LISTENER_PARAMS.layer4>
type TcpP = Params<typeof LISTENER_PARAMS.tcpOnly>
type UdpP = Params<typeof LISTENER_PARAMS.udpOnly>
type HttpP = Params<typeof LISTENER_PARAMS.httpOnly>

const defined = (a: ListenerAttributes): ListenerAttributes =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as ListenerAttributes

const commonAttributes = (p: CommonP): ListenerAttributes => ({
  aclStatus: p.AclStatus,
  aclType: p.AclType,
  aclId: p.AclId,
  maxConnection: p.MaxConnection,
  healthCheckInterval: p.HealthCheckInterval,
  // -520 is the documented spelling of "the backend server's port", the default (0).
  healthCheckConnectPort: p.HealthCheckConnectPort === -520 ? 0 : p.HealthCheckConnectPort,
  healthyThreshold: p.HealthyThreshold,
  unhealthyThreshold: p.UnhealthyThreshold,
})

const layer4Attributes = (p: Layer4P): ListenerAttributes => ({
  persistenceTimeout: p.PersistenceTimeout,
  connectionDrain: p.ConnectionDrain,
  connectionDrainTimeout: p.ConnectionDrainTimeout,
  healthCheckSwitch: p.HealthCheckSwitch,
  healthCheckConnectTimeout: p.HealthCheckConnectTimeout,
  proxyProtocolV2Enabled: p.ProxyProtocolV2Enabled,
  fullNatEnabled: p.FullNatEnabled,
})

const tcpAttributes = (p: TcpP): ListenerAttributes => ({
  establishedTimeout: p.EstablishedTimeout,
  healthCheckType: p.HealthCheckType,
  healthCheckURI: p.HealthCheckURI,
  healthCheckDomain: p.HealthCheckDomain,
  healthCheckHttpCode: p.HealthCheckHttpCode,
  healthCheckMethod: p.HealthCheckMethod,
  healthCheckTcpFastCloseEnabled: p.HealthCheckTcpFastCloseEnabled,
})

const udpAttributes = (p: UdpP): ListenerAttributes => ({
  healthCheckReq: p.HealthCheckReq,
  healthCheckExp: p.HealthCheckExp,
  quicVersion: p.QuicVersion,
})

const httpAttributes = (p: HttpP & { readonly HealthCheck: 'on' | 'off' | undefined }): ListenerAttributes => ({
  healthCheck: p.HealthCheck,
  stickySession: p.StickySession,
  stickySessionType: p.StickySessionType,
  cookieTimeout: p.CookieTimeout,
  cookie: p.Cookie,
  healthCheckType: p.HealthCheckType,
  healthCheckURI: p.HealthCheckURI,
  healthCheckDomain: p.HealthCheckDomain,
  healthCheckHttpCode: p.HealthCheckHttpCode,
  healthCheckMethod: p.HealthCheckMethod,
  healthCheckHttpVersion: p.HealthCheckHttpVersion,
  healthCheckTimeout: p.HealthCheckTimeout,
  idleTimeout: p.IdleTimeout,
  requestTimeout: p.RequestTimeout,
  gzip: p.Gzip,
  xForwardedFor: p.XForwardedFor,
  xForwardedForSlbId: p.XForwardedFor_SLBID,
  xForwardedForSlbIp: p.XForwardedFor_SLBIP,
  xForwardedForProto: p.XForwardedFor_proto,
  xForwardedForSlbPort: p.XForwardedFor_SLBPORT,
  xForwardedForClientSrcPort: p.XForwardedFor_ClientSrcPort,
  forwardCode: p.ForwardCode,
})

/** Rules between attributes, checked on the merged result of a Create or Set (contract §2.3). */
function checkAttributes(protocol: ListenerProtocol, stored: ListenerAttributes): void {
  const a = effectiveAttributes(protocol, stored)
  if (protocol === 'http' && a.stickySession === 'on') {
    if (a.stickySessionType === '') throw missingParameter('StickySessionType')
    if (a.stickySessionType === 'insert' && a.cookieTimeout === 0) throw missingParameter('CookieTimeout')
    if (a.stickySessionType === 'server' && a.cookie === '') throw missingParameter('Cookie')
  }
  if (a.listenerForward === 'on' && a.forwardPort === 0) throw missingParameter('ForwardPort')
}

// ---------------------------------------------------------------------------------------------
// Lookups.

const loadBalancerIn = async (repos: Repositories, id: string): Promise<LoadBalancer> => {
  const lb = await repos.loadBalancers.get(id)
  if (lb === undefined) throw loadBalancerNotFound()
  return lb
}

/**
 * A VServer group of this load balancer. A group of another load balancer is "does not exist": that is
 * how Terraform explains the message (contract §2.3).
 */
const requireGroupOf = async (repos: Repositories, lb: LoadBalancer, groupId: string): Promise<void> => {
  const group = await repos.serverGroups.getGroup(groupId)
  if (group === undefined || group.loadBalancerId !== lb.id) throw vServerGroupNotFound()
}

// This server has no primary/secondary server groups (no CreateMasterSlaveServerGroup), so no ID names one.
const requireMasterSlaveGroup = (): never => {
  throw masterSlaveGroupNotFound()
}

/** Where a listener forwards after a change: a VServer group, a primary/secondary group or the default group. */
interface Forwarding {
  readonly vServerGroupId: string
  readonly masterSlaveServerGroupId: string
  readonly backendServerPort: number
}

/** The default group needs a BackendServerPort; an HTTP redirect forwards to no backend at all. */
const checkForwarding = (f: Forwarding, attributes: ListenerAttributes): void => {
  const redirects = attributes.listenerForward === 'on'
  if (f.vServerGroupId === '' && f.masterSlaveServerGroupId === '' && f.backendServerPort === 0 && !redirects) {
    throw missingParameter('BackendServerPort')
  }
}

/**
 * On a pay-by-bandwidth load balancer the listeners' caps may not add up to more than its bandwidth
 * (contract §2.3); -1 (no cap) and pay-by-traffic instances are not limited.
 */
const checkBandwidth = async (repos: Repositories, lb: LoadBalancer, self: Listener | undefined, bandwidth: number) => {
  if (lb.internetChargeType !== 'paybybandwidth' || bandwidth <= 0) return
  const others = (await repos.listeners.list({ loadBalancerIds: [lb.id] })).filter(
    (l) => self === undefined || l.protocol !== self.protocol || l.port !== self.port,
  )
  const used = others.reduce((sum, l) => sum + Math.max(l.bandwidth, 0), 0)
  if (used + bandwidth > lb.bandwidth) throw listenerBandwidthInvalid()
}

// ---------------------------------------------------------------------------------------------
// Create.

interface CreateInput {
  readonly protocol: ListenerProtocol
  readonly loadBalancerId: string
  readonly port: number
  readonly bandwidth: number | undefined
  readonly backendServerPort: number | undefined
  readonly vServerGroupId: string | undefined
  readonly masterSlaveServerGroupId: string | undefined
  readonly scheduler: SchedulerName | undefined
  readonly description: string | undefined
  readonly attributes: ListenerAttributes
  readonly tags: ReadonlyArray<Readonly<Partial<Record<'Key' | 'Value', string>>>> | undefined
}

/** A new listener is stopped (contract §2.3); StartLoadBalancerListener makes it forward. */
async function createListener(ctx: ActionContext, input: CreateInput): Promise<Record<string, never>> {
  const tags = tagsFromParams(input.tags ?? [])
  if (tags.length > ctx.config.quotas.tagsPerResource) throw tagCountLimit()
  if (input.vServerGroupId !== undefined && input.masterSlaveServerGroupId !== undefined) {
    throw serverGroupKindsMismatch()
  }
  const attributes = defined({ ...input.attributes, masterSlaveServerGroupId: input.masterSlaveServerGroupId })
  checkAttributes(input.protocol, attributes)
  const quota = ctx.config.quotas.listenersPerLoadBalancer ?? DEFAULT_LISTENER_QUOTA
  await ctx.store.write(ctx.scope, async (repos) => {
    const lb = await loadBalancerIn(repos, input.loadBalancerId)
    if (input.vServerGroupId !== undefined) await requireGroupOf(repos, lb, input.vServerGroupId)
    if (input.masterSlaveServerGroupId !== undefined) requireMasterSlaveGroup()
    const forwarding: Forwarding = {
      vServerGroupId: input.vServerGroupId ?? '',
      masterSlaveServerGroupId: input.masterSlaveServerGroupId ?? '',
      backendServerPort: input.backendServerPort ?? 0,
    }
    checkForwarding(forwarding, attributes)
    // TCP and HTTP share the TCP transport; UDP binds its own (contract §2.3).
    const onPort = await repos.listeners.onPort(lb.id, input.port)
    if (onPort.some((l) => transportOf(l.protocol) === transportOf(input.protocol))) throw listenerExists()
    if ((await repos.listeners.countOfLoadBalancer(lb.id)) >= quota) throw listenerQuota()
    const bandwidth = input.bandwidth ?? DEFAULT_LISTENER_BANDWIDTH
    await checkBandwidth(repos, lb, undefined, bandwidth)
    const listener: Listener = {
      loadBalancerId: lb.id,
      regionId: lb.regionId,
      protocol: input.protocol,
      port: input.port,
      status: 'stopped',
      backendServerPort: forwarding.backendServerPort,
      vServerGroupId: forwarding.vServerGroupId,
      scheduler: input.scheduler ?? DEFAULT_SCHEDULER,
      bandwidth,
      description: input.description ?? '',
      attributes,
      createdAt: ctx.now(),
    }
    await repos.listeners.insert(listener)
    if (tags.length > 0) await repos.tags.put('listener', listenerResourceId(listener), tags)
  })
  return {}
}

type CreateCommon = CommonP & {
  readonly ListenerPort: number
  readonly Tag: CreateInput['tags']
  readonly Scheduler: SchedulerName | undefined
}

const createInput = (protocol: ListenerProtocol, p: CreateCommon, attributes: ListenerAttributes): CreateInput => ({
  protocol,
  loadBalancerId: p.LoadBalancerId,
  port: p.ListenerPort,
  bandwidth: p.Bandwidth,
  backendServerPort: p.BackendServerPort,
  vServerGroupId: p.VServerGroupId,
  masterSlaveServerGroupId: p.MasterSlaveServerGroupId,
  scheduler: p.Scheduler,
  description: p.Description,
  attributes: defined({ ...commonAttributes(p), ...attributes }),
  tags: p.Tag,
})

export const createTcpListener: H<typeof spec.CreateLoadBalancerTCPListener> = (ctx, p) =>
  createListener(ctx, createInput('tcp', p, { ...layer4Attributes(p), ...tcpAttributes(p) }))

export const createUdpListener: H<typeof spec.CreateLoadBalancerUDPListener> = (ctx, p) =>
  createListener(ctx, createInput('udp', p, { ...layer4Attributes(p), ...udpAttributes(p) }))

export const createHttpListener: H<typeof spec.CreateLoadBalancerHTTPListener> = (ctx, p) =>
  createListener(
    ctx,
    createInput('http', p, { ...httpAttributes(p), listenerForward: p.ListenerForward, forwardPort: p.ForwardPort }),
  )

// ---------------------------------------------------------------------------------------------
// Set.

interface SetInput {
  readonly protocol: ListenerProtocol
  readonly p: CommonP & {
    readonly ListenerPort: number
    readonly Scheduler: SchedulerName | undefined
    readonly VServerGroup: 'on' | 'off' | undefined
    readonly MasterSlaveServerGroup: 'on' | 'off' | undefined
  }
  readonly attributes: ListenerAttributes
}

/**
 * Where the listener forwards after a Set. `VServerGroup=on` forwards to VServerGroupId (or keeps the
 * current group); `off` returns to the default group. VServerGroupId without `VServerGroup=on` does not
 * switch groups, as on the real service (contract §2.3, denverdino/aliyungo#147).
 */
async function forwardingAfterSet(repos: Repositories, lb: LoadBalancer, l: Listener, input: SetInput) {
  const p = input.p
  if (p.VServerGroup === 'on' && p.MasterSlaveServerGroup === 'on') throw serverGroupKindsMismatch()
  let vServerGroupId = l.vServerGroupId
  let masterSlaveServerGroupId = l.attributes.masterSlaveServerGroupId ?? ''
  if (p.VServerGroup === 'on') {
    vServerGroupId = p.VServerGroupId ?? l.vServerGroupId
    if (vServerGroupId === '') throw missingParameter('VServerGroupId')
    await requireGroupOf(repos, lb, vServerGroupId)
    masterSlaveServerGroupId = ''
  } else if (p.VServerGroup === 'off') {
    vServerGroupId = ''
  }
  if (p.MasterSlaveServerGroup === 'on') {
    if ((p.MasterSlaveServerGroupId ?? masterSlaveServerGroupId) === '') {
      throw missingParameter('MasterSlaveServerGroupId')
    }
    requireMasterSlaveGroup()
  } else if (p.MasterSlaveServerGroup === 'off') {
    masterSlaveServerGroupId = ''
  }
  return { vServerGroupId, masterSlaveServerGroupId, backendServerPort: p.BackendServerPort ?? l.backendServerPort }
}

/**
 * Changes only what is given. The listener is looked up under the action's own protocol, so
 * SetLoadBalancerTCPListenerAttribute on a UDP port finds nothing (contract §0.5).
 */
async function setListener(ctx: ActionContext, input: SetInput): Promise<Record<string, never>> {
  const p = input.p
  await ctx.store.write(ctx.scope, async (repos) => {
    const lb = await loadBalancerIn(repos, p.LoadBalancerId)
    const l = await repos.listeners.get(lb.id, input.protocol, p.ListenerPort)
    if (l === undefined) throw listenerAttributeNotFound()
    const forwarding = await forwardingAfterSet(repos, lb, l, input)
    const attributes = defined({
      ...l.attributes,
      ...defined({ ...commonAttributes(p), ...input.attributes }),
      masterSlaveServerGroupId: forwarding.masterSlaveServerGroupId || undefined,
    })
    checkAttributes(input.protocol, attributes)
    checkForwarding(forwarding, attributes)
    const bandwidth = p.Bandwidth ?? l.bandwidth
    await checkBandwidth(repos, lb, l, bandwidth)
    await repos.listeners.update(l, {
      backendServerPort: forwarding.backendServerPort,
      vServerGroupId: forwarding.vServerGroupId,
      scheduler: p.Scheduler ?? l.scheduler,
      bandwidth,
      description: p.Description ?? l.description,
      attributes,
    })
  })
  return {}
}

export const setTcpListener: H<typeof spec.SetLoadBalancerTCPListenerAttribute> = (ctx, p) =>
  setListener(ctx, {
    protocol: 'tcp',
    p,
    attributes: { ...layer4Attributes(p), ...tcpAttributes(p), synProxy: p.SynProxy },
  })

export const setUdpListener: H<typeof spec.SetLoadBalancerUDPListenerAttribute> = (ctx, p) =>
  setListener(ctx, { protocol: 'udp', p, attributes: { ...layer4Attributes(p), ...udpAttributes(p) } })

export const setHttpListener: H<typeof spec.SetLoadBalancerHTTPListenerAttribute> = (ctx, p) =>
  setListener(ctx, { protocol: 'http', p, attributes: httpAttributes(p) })

// ---------------------------------------------------------------------------------------------
// Describe*ListenerAttribute.

/** The listener of this protocol and its tags; a missing one is InvalidParameter 400 (contract §5.2). */
async function describeListener(
  ctx: ActionContext,
  p: { readonly LoadBalancerId: string; readonly ListenerPort: number },
  protocol: ListenerProtocol,
): Promise<{ listener: Listener; tags: Tag[] }> {
  return ctx.store.read(ctx.scope, async (repos) => {
    const lb = await loadBalancerIn(repos, p.LoadBalancerId)
    const listener = await repos.listeners.get(lb.id, protocol, p.ListenerPort)
    if (listener === undefined) throw listenerAttributeNotFound()
    const id = listenerResourceId(listener)
    const tags = (await repos.tags.forResources('listener', [id])).get(id) ?? []
    return { listener, tags }
  })
}

export const describeTcpListener: H<typeof spec.DescribeLoadBalancerTCPListenerAttribute> = async (ctx, p) => {
  const { listener, tags } = await describeListener(ctx, p, 'tcp')
  return presentTcpAttribute(listener, tags)
}

export const describeUdpListener: H<typeof spec.DescribeLoadBalancerUDPListenerAttribute> = async (ctx, p) => {
  const { listener, tags } = await describeListener(ctx, p, 'udp')
  return presentUdpAttribute(listener, tags)
}

export const describeHttpListener: H<typeof spec.DescribeLoadBalancerHTTPListenerAttribute> = async (ctx, p) => {
  const { listener, tags } = await describeListener(ctx, p, 'http')
  return presentHttpAttribute(listener, tags)
}

// ---------------------------------------------------------------------------------------------
// DescribeLoadBalancerListeners.

type Cursor = readonly [loadBalancerId: string, port: number, protocol: string]

const compareKey = (a: Cursor, b: Cursor): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] !== b[1] ? a[1] - b[1] : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0

const keyOf = (l: Listener): Cursor => [l.loadBalancerId, l.port, l.protocol]

// NextToken is opaque: the key of the last listener returned (contract §2.3).
const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url')

const decodeCursor = (token: string): Cursor => {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
    if (Array.isArray(v) && v.length === 3) {
      const [lb, port, protocol] = v as unknown[]
      if (typeof lb === 'string' && typeof port === 'number' && typeof protocol === 'string') {
        return [lb, port, protocol]
      }
    }
  } catch {
    // fall through to the error below
  }
  throw invalidParameter('NextToken')
}

const hasTags = (tags: readonly Tag[], match: readonly TagMatch[]): boolean =>
  match.every((m) => tags.some((t) => t.key === m.key && (m.value === undefined || t.value === m.value)))

/** Every load balancer in scope, for a call that names none. */
const allLoadBalancerIds = async (repos: Repositories): Promise<string[]> => {
  const limit = Math.max(await repos.loadBalancers.countInAccount(), 1)
  return (await repos.loadBalancers.list({}, { offset: 0, limit })).items.map((lb) => lb.id)
}

/**
 * The listeners of the named load balancers (or, with none named, of every load balancer in scope),
 * ordered by load balancer, port and protocol, `MaxResults` at a time; NextToken is '' on the last page,
 * which is where the CCM stops (contract §2.3, §7.5). Unknown LoadBalancerIds contribute nothing.
 */
export const describeListeners: H<typeof spec.DescribeLoadBalancerListeners> = async (ctx, p) => {
  const match = tagMatchesFromParams(p.Tag)
  const after = p.NextToken === undefined ? undefined : decodeCursor(p.NextToken)
  const { page, total, more } = await ctx.store.read(ctx.scope, async (repos) => {
    const named = p.LoadBalancerId ?? []
    const ids = named.length > 0 ? named : await allLoadBalancerIds(repos)
    const listed = await repos.listeners.list({
      loadBalancerIds: [...new Set(ids)],
      protocol: p.ListenerProtocol,
      port: p.ListenerPort,
      description: p.Description,
    })
    const tagsById = await repos.tags.forResources('listener', listed.map(listenerResourceId))
    const chosen = listed
      .map((l) => ({ l, tags: tagsById.get(listenerResourceId(l)) ?? [] }))
      .filter(({ tags }) => hasTags(tags, match))
      .sort((a, b) => compareKey(keyOf(a.l), keyOf(b.l)))
    const rest = after === undefined ? chosen : chosen.filter(({ l }) => compareKey(keyOf(l), after) > 0)
    return { page: rest.slice(0, p.MaxResults), total: chosen.length, more: rest.length > p.MaxResults }
  })
  const last = page[page.length - 1]
  return {
    NextToken: more && last !== undefined ? encodeCursor(keyOf(last.l)) : '',
    MaxResults: p.MaxResults,
    TotalCount: total,
    Listeners: page.map(({ l, tags }) => presentListItem(l, tags)),
  }
}

// ---------------------------------------------------------------------------------------------
// Start / Stop / Delete.

interface ByPort {
  readonly LoadBalancerId: string
  readonly ListenerPort: number
  readonly ListenerProtocol: ListenerProtocol | undefined
}

/** The listener on a port; ListenerProtocol picks one when several protocols share it (META). */
async function listenerOnPort(repos: Repositories, lb: LoadBalancer, p: ByPort): Promise<Listener> {
  const onPort = await repos.listeners.onPort(lb.id, p.ListenerPort)
  if (p.ListenerProtocol !== undefined) {
    const found = onPort.find((l) => l.protocol === p.ListenerProtocol)
    if (found === undefined) throw listenerNotFound()
    return found
  }
  const [only, ...others] = onPort
  if (only === undefined) throw listenerNotFound()
  if (others.length > 0) throw protocolAmbiguous()
  return only
}

/**
 * Stopped → running. Starting a running listener succeeds unchanged: the CCM starts whatever it reads as
 * stopped and Terraform retries Start (contract §2.3, §7.5). A locked load balancer refuses (contract §2.3);
 * an inactive one accepts, its listeners just do not forward.
 */
export const startListener: H<typeof spec.StartLoadBalancerListener> = async (ctx, p) => {
  await ctx.store.write(ctx.scope, async (repos) => {
    const lb = await loadBalancerIn(repos, p.LoadBalancerId)
    const l = await listenerOnPort(repos, lb, p)
    if (lb.status === 'locked') throw loadBalancerLocked()
    if (l.status !== 'running') await repos.listeners.update(l, { status: 'running' })
  })
  return {}
}

/** Running → stopped; stopping a stopped listener succeeds unchanged. */
export const stopListener: H<typeof spec.StopLoadBalancerListener> = async (ctx, p) => {
  await ctx.store.write(ctx.scope, async (repos) => {
    const lb = await loadBalancerIn(repos, p.LoadBalancerId)
    const l = await listenerOnPort(repos, lb, p)
    if (l.status !== 'stopped') await repos.listeners.update(l, { status: 'stopped' })
  })
  return {}
}

/** Deletes a stopped or running listener with its tags (contract §2.3). */
export const deleteListener: H<typeof spec.DeleteLoadBalancerListener> = async (ctx, p) => {
  await ctx.store.write(ctx.scope, async (repos) => {
    const lb = await loadBalancerIn(repos, p.LoadBalancerId)
    const l = await listenerOnPort(repos, lb, p)
    await repos.tags.remove('listener', listenerResourceId(l), undefined)
    await repos.listeners.delete(l)
  })
  return {}
}

// ---------------------------------------------------------------------------------------------
// DescribeHealthStatus.

/** The address each member is reached at: an instance's private IP, an ENI's own address. */
async function addressesOf(repos: Repositories, members: readonly BackendMember[]): Promise<Map<string, string>> {
  const ids = [...new Set(members.filter((m) => m.type === 'ecs').map((m) => m.serverId))]
  if (ids.length === 0) return new Map()
  const found = await repos.instances.list({ ids }, { offset: 0, limit: ids.length })
  return new Map(found.items.map((i) => [i.id, i.privateIp]))
}

/**
 * One row per (listener, member) of the load balancer's listeners, or of those on ListenerPort /
 * ListenerProtocol (contract §2.4). Members of a stopped listener, of a listener without health checks
 * and of a load balancer that is not active are `unavailable` ("the health check is not completed");
 * the rest carry the data plane's verdict.
 */
export const describeHealthStatus: H<typeof spec.DescribeHealthStatus> = async (ctx, p) => {
  const rows = await ctx.store.read(ctx.scope, async (repos) => {
    const lb = await loadBalancerIn(repos, p.LoadBalancerId)
    const listeners = await repos.listeners.list({
      loadBalancerIds: [lb.id],
      port: p.ListenerPort,
      protocol: p.ListenerProtocol,
    })
    if (p.ListenerPort !== undefined && listeners.length === 0) throw listenerNotFound()
    const out: HealthRow[] = []
    for (const l of listeners) {
      const members = await repos.serverGroups.members(l.vServerGroupId === '' ? lb.id : l.vServerGroupId)
      const addresses = await addressesOf(repos, members)
      const checksOn = effectiveAttributes(l.protocol, l.attributes).healthCheck === 'on'
      const checked = lb.status === 'active' && l.status === 'running' && checksOn
      for (const m of members) {
        const status = checked ? ctx.dataplane.healthStatus(listenerKey(l), memberKey(m)) : 'unavailable'
        out.push(presentHealthRow(l, m, m.type === 'ecs' ? (addresses.get(m.serverId) ?? '') : m.serverIp, status))
      }
    }
    return out
  })
  return { BackendServers: rows }
}

// ---------------------------------------------------------------------------------------------
// Helpers for the load balancer and VServer group actions.

export interface ListenerPortsOf {
  readonly ListenerPorts: number[]
  readonly ListenerPortsAndProtocol: Array<{
    readonly ListenerPort: number
    readonly ListenerProtocol: string
    readonly ListenerForward: string
    readonly ForwardPort: number
    readonly Description: string
  }>
  /** The misspelt twin DescribeLoadBalancerAttribute also carries (contract §2.2). */
  readonly ListenerPortsAndProtocal: Array<{ readonly ListenerPort: number; readonly ListenerProtocal: string }>
}

/** DescribeLoadBalancerAttribute's listener lists (contract §2.2), by port then protocol. */
export async function listenerPortsOf(repos: Repositories, loadBalancerId: string): Promise<ListenerPortsOf> {
  const listeners = await repos.listeners.list({ loadBalancerIds: [loadBalancerId] })
  return {
    ListenerPorts: [...new Set(listeners.map((l) => l.port))],
    ListenerPortsAndProtocol: listeners.map((l) => {
      const a = effectiveAttributes(l.protocol, l.attributes)
      return {
        ListenerPort: l.port,
        ListenerProtocol: l.protocol,
        ListenerForward: a.listenerForward,
        ForwardPort: a.forwardPort,
        Description: l.description,
      }
    }),
    ListenerPortsAndProtocal: listeners.map((l) => ({ ListenerPort: l.port, ListenerProtocal: l.protocol })),
  }
}

/** Deletes every listener of a load balancer with their tags (DeleteLoadBalancer, contract §2.2). */
export async function deleteListenersOf(repos: Repositories, loadBalancerId: string): Promise<void> {
  const listeners = await repos.listeners.list({ loadBalancerIds: [loadBalancerId] })
  for (const l of listeners) await repos.tags.remove('listener', listenerResourceId(l), undefined)
  await repos.listeners.deleteAllOfLoadBalancer(loadBalancerId)
}

/** The listeners forwarding to a VServer group, as DescribeVServerGroups' AssociatedObjects lists them. */
export async function listenersUsingGroup(
  repos: Repositories,
  vServerGroupId: string,
): Promise<Array<{ readonly port: number; readonly protocol: ListenerProtocol }>> {
  const users = await repos.listeners.usingGroup(vServerGroupId)
  return users
    .map((l) => ({ port: l.port, protocol: l.protocol }))
    .sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0))
}
