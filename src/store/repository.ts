/**
 * The store as the actions see it: scoped transactions over per-aggregate repositories. Nothing
 * here names Kysely or an SQL engine, so a second dialect changes no action (DESIGN.md principle 7).
 */
import type {
  AccessKey,
  BackendMember,
  VServerGroup,
  Instance,
  InstanceStatus,
  LoadBalancer,
  NetworkInterface,
  Tag,
  TaggedResource,
  TagResourceType,
} from '../domain/model.js'
import type { Listener, ListenerProtocol, ListenerStatus } from '../domain/listener.js'
import type { Scope } from '../domain/scope.js'

export interface Page {
  readonly offset: number
  readonly limit: number
}

export interface Paged<T> {
  readonly items: readonly T[]
  readonly total: number
}

/** A tag condition: key alone matches any value. Several conditions combine with AND. */
export interface TagMatch {
  readonly key: string
  readonly value: string | undefined
}

export interface LoadBalancerFilter {
  readonly ids?: readonly string[] | undefined
  readonly names?: readonly string[] | undefined
  readonly addresses?: readonly string[] | undefined
  readonly addressType?: string | undefined
  readonly addressIpVersion?: string | undefined
  readonly networkType?: string | undefined
  readonly vpcId?: string | undefined
  readonly vSwitchId?: string | undefined
  readonly masterZoneId?: string | undefined
  readonly slaveZoneId?: string | undefined
  readonly internetChargeType?: string | undefined
  readonly payType?: string | undefined
  readonly instanceChargeType?: string | undefined
  readonly status?: string | undefined
  readonly resourceGroupId?: string | undefined
  readonly tags?: readonly TagMatch[] | undefined
}

export type LoadBalancerPatch = Partial<
  Pick<
    LoadBalancer,
    | 'name'
    | 'status'
    | 'deleteProtection'
    | 'modificationProtectionStatus'
    | 'modificationProtectionReason'
    | 'spec'
    | 'internetChargeType'
    | 'bandwidth'
    | 'instanceChargeType'
  >
>

export interface LoadBalancerRepository {
  insert(lb: LoadBalancer, addressNum: number): Promise<void>
  get(id: string): Promise<LoadBalancer | undefined>
  findByClientToken(token: string): Promise<LoadBalancer | undefined>
  list(filter: LoadBalancerFilter, page: Page): Promise<Paged<LoadBalancer>>
  /** Load balancers of the account in every region (the per-account quota). */
  countInAccount(): Promise<number>
  update(id: string, patch: LoadBalancerPatch): Promise<void>
  delete(id: string): Promise<void>
  /** The highest allocated address number within [first, last], or undefined when none is. */
  highestAddress(first: number, last: number): Promise<number | undefined>
  /** Allocated address numbers within [first, last], ascending. */
  allocatedAddresses(first: number, last: number): Promise<number[]>
  addressTaken(address: string): Promise<boolean>
}

export interface TagRepository {
  /** Adds or overwrites tags on one resource (a key already present takes the new value). */
  put(resourceType: TagResourceType, resourceId: string, tags: readonly Tag[]): Promise<void>
  /** Removes the given keys, or every tag when `keys` is undefined. */
  remove(resourceType: TagResourceType, resourceId: string, keys: readonly string[] | undefined): Promise<void>
  /** Tags per resource, for presenting resources. */
  forResources(resourceType: TagResourceType, resourceIds: readonly string[]): Promise<Map<string, Tag[]>>
  /** Tag rows in (resourceId, key) order, after the cursor, for ListTagResources. */
  list(
    resourceType: TagResourceType,
    resourceIds: readonly string[] | undefined,
    match: readonly TagMatch[] | undefined,
    after: { readonly resourceId: string; readonly key: string } | undefined,
    limit: number,
  ): Promise<TaggedResource[]>
}

export interface InstanceFilter {
  readonly ids?: readonly string[] | undefined
  readonly status?: string | undefined
  readonly name?: string | undefined
  readonly privateIps?: readonly string[] | undefined
  readonly vpcId?: string | undefined
  readonly vSwitchId?: string | undefined
  readonly zoneId?: string | undefined
}

export type InstanceState = Pick<Instance, 'status' | 'regionId'>

export interface InstanceRepository {
  insert(instance: Instance): Promise<void>
  get(id: string): Promise<Instance | undefined>
  /** The instances among `ids` in scope, by primary key (no count, no paging). */
  byIds(ids: readonly string[]): Promise<Instance[]>
  /** Status and region of the instances among `ids` in scope, by primary key (backend resolution). */
  states(ids: readonly string[]): Promise<Map<string, InstanceState>>
  list(filter: InstanceFilter, page: Page): Promise<Paged<Instance>>
  setStatus(id: string, status: InstanceStatus): Promise<void>
  delete(id: string): Promise<void>
}

export interface NetworkInterfaceFilter {
  readonly ids?: readonly string[] | undefined
  readonly primaryIp?: string | undefined
  readonly name?: string | undefined
  readonly status?: string | undefined
  /** ENIs attached to any of these instances. */
  readonly instanceIds?: readonly string[] | undefined
  readonly privateIps?: readonly string[] | undefined
  readonly vpcId?: string | undefined
  readonly vSwitchId?: string | undefined
  /** Primary ENIs are the ones attached to an instance (this subset has no AttachNetworkInterface). */
  readonly attached?: boolean | undefined
}

export interface NetworkInterfaceRepository {
  insert(eni: NetworkInterface): Promise<void>
  get(id: string): Promise<NetworkInterface | undefined>
  /** The ENIs among `ids` in scope, by primary key (no count, no paging). */
  byIds(ids: readonly string[]): Promise<NetworkInterface[]>
  list(filter: NetworkInterfaceFilter, page: Page): Promise<Paged<NetworkInterface>>
  delete(id: string): Promise<void>
}

export interface PrivateIpRepository {
  /** Claims an address for its owner; false when it is already held in this account and region. */
  claim(ip: string, ownerId: string): Promise<boolean>
  release(ownerId: string): Promise<void>
  /** Every address claimed in this account and region. */
  claimed(): Promise<string[]>
}

export type MemberPatch = Partial<Pick<BackendMember, 'weight' | 'description'>>

/** A patch of one member (an undefined field keeps its value). */
export interface MemberChange {
  readonly member: BackendMember
  readonly patch: MemberPatch
}

export interface ServerGroupRepository {
  insertGroup(group: VServerGroup): Promise<void>
  getGroup(id: string): Promise<VServerGroup | undefined>
  /** VServer groups of a load balancer, oldest first. */
  listGroups(loadBalancerId: string): Promise<VServerGroup[]>
  renameGroup(id: string, name: string): Promise<void>
  /** Deletes the group and its members. */
  deleteGroup(id: string): Promise<void>
  /** Members of one group (a VServer group id, or a load balancer id for its default group), in insertion order. */
  members(groupId: string): Promise<BackendMember[]>
  /** Member counts per group, for the given groups. */
  countMembers(groupIds: readonly string[]): Promise<Map<string, number>>
  /** Memberships across all groups of a load balancer (the 200-per-instance quota, contract §6). */
  countMembersOfLoadBalancer(loadBalancerId: string): Promise<number>
  /** Adds members (of load balancers in `regionId`); each must not exist yet in its group. */
  insertMembers(regionId: string, members: readonly BackendMember[]): Promise<void>
  updateMember(member: BackendMember, patch: MemberPatch): Promise<void>
  /** Patches several members (each named once) in one statement. */
  updateMembers(changes: readonly MemberChange[]): Promise<void>
  removeMembers(members: readonly BackendMember[]): Promise<void>
  /** Deletes every group and member of a load balancer. */
  deleteAllOfLoadBalancer(loadBalancerId: string): Promise<void>
  /** Removes a server from every group of the account; returns the load balancers it left. */
  removeServerEverywhere(serverId: string): Promise<string[]>
  /** Load balancers (of the scope) with a member whose ServerId is one of these. */
  loadBalancersWithServers(serverIds: readonly string[]): Promise<string[]>
}

export type ListenerPatch = Partial<
  Pick<Listener, 'status' | 'backendServerPort' | 'vServerGroupId' | 'scheduler' | 'bandwidth' | 'description' | 'attributes'>
>

export interface ListenerFilter {
  readonly loadBalancerIds: readonly string[]
  readonly protocol?: ListenerProtocol | undefined
  readonly port?: number | undefined
  readonly description?: string | undefined
  readonly status?: ListenerStatus | undefined
}

export interface ListenerRepository {
  insert(listener: Listener): Promise<void>
  /** The listeners of a load balancer on a port (one per protocol at most). */
  onPort(loadBalancerId: string, port: number): Promise<Listener[]>
  get(loadBalancerId: string, protocol: ListenerProtocol, port: number): Promise<Listener | undefined>
  /** Ordered by load balancer, then port, then protocol. */
  list(filter: ListenerFilter): Promise<Listener[]>
  update(listener: Listener, patch: ListenerPatch): Promise<void>
  delete(listener: Listener): Promise<void>
  deleteAllOfLoadBalancer(loadBalancerId: string): Promise<void>
  /** Listeners that forward to this VServer group. */
  usingGroup(vServerGroupId: string): Promise<Listener[]>
  countOfLoadBalancer(loadBalancerId: string): Promise<number>
}

/** Everything a transaction can touch, bound to one scope. */
export interface Repositories {
  readonly scope: Scope
  readonly loadBalancers: LoadBalancerRepository
  readonly tags: TagRepository
  readonly instances: InstanceRepository
  readonly networkInterfaces: NetworkInterfaceRepository
  readonly privateIps: PrivateIpRepository
  readonly serverGroups: ServerGroupRepository
  readonly listeners: ListenerRepository
}

/** Options of a write. */
export interface WriteOptions {
  /** False for writes the data plane cannot see (tags, names): they skip its rebuild. Default true. */
  readonly affectsDataplane?: boolean
}

/** A running listener of an active load balancer, with what the data plane needs of its load balancer. */
export interface RunningListenerRow {
  readonly listener: Listener
  readonly address: string
}

/** Where a backend server is and whether it may take traffic. */
export interface ServerLocation {
  readonly address: string
  readonly running: boolean
}

/** Everything, across all accounts, that the data plane converges on; read in one consistent view. */
export interface DataplaneRows {
  readonly generation: number
  readonly listeners: readonly RunningListenerRow[]
  /** Members per group id (VServer group ids, and load balancer ids for default groups). */
  readonly members: ReadonlyMap<string, readonly BackendMember[]>
  /** ECS instances and ENIs by id. */
  readonly servers: ReadonlyMap<string, ServerLocation>
}

export interface Store {
  /** Reads in one consistent view, scoped. */
  read<T>(scope: Scope, fn: (repos: Repositories) => Promise<T>): Promise<T>
  /**
   * One transaction: every write in `fn` commits together or not at all, and the commit bumps the
   * generation the data plane converges on. A throw rolls everything back.
   */
  write<T>(scope: Scope, fn: (repos: Repositories) => Promise<T>, options?: WriteOptions): Promise<T>
  /** The newest committed generation. */
  generation(): Promise<number>
  /**
   * The data plane's input, unscoped: every running listener and its members — or only those of
   * the load balancers in `only`.
   */
  readDataplane(only?: ReadonlySet<string>): Promise<DataplaneRows>

  findAccessKey(accessKeyId: string): Promise<AccessKey | undefined>
  /** Creates the account and key unless the key exists; true when it was created. */
  ensureAccessKey(key: AccessKey): Promise<boolean>
  /** Records a nonce until `expiresAt`; false when the key already used it (replay). */
  claimNonce(accessKeyId: string, nonce: string, expiresAt: number): Promise<boolean>
  purgeNonces(now: number): Promise<void>
  close(): Promise<void>
}
