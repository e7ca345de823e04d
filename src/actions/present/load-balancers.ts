/**
 * Load balancers on the wire: the CreateLoadBalancer body, a DescribeLoadBalancers item and the
 * DescribeLoadBalancerAttribute body, each from the domain record (contract §2.2).
 */
import { createHash } from 'node:crypto'
import type { ListenerPortsOf } from '../listeners.js'
import type { Output } from '../../api/spec/dsl.js'
import type { CreateLoadBalancer, loadBalancerAttribute, loadBalancerItem } from '../../api/spec/load-balancers.js'
import type { BackendMember, LoadBalancer, Tag } from '../../domain/model.js'
import { presentDescribed } from './backend-servers.js'
import { presentTag } from './tags.js'

type Item = Output<(typeof loadBalancerItem)['fields']>
type Attribute = Output<typeof loadBalancerAttribute>
type Created = Output<(typeof CreateLoadBalancer)['response']>

// DescribeLoadBalancers reports the charge type as a numeric code (contract §0.8; TS model remarks).
const CHARGE_TYPE_CODE: Readonly<Record<LoadBalancer['internetChargeType'], string>> = {
  paybybandwidth: '3',
  paybytraffic: '4',
}

// Pay-as-you-go instances never expire; the DOCS samples show this fixed date.
const NEVER = Date.UTC(2999, 8, 8, 16)
const BEIJING_OFFSET_MS = 8 * 3600 * 1000

/** `2018-11-08T12:21:53Z`, as DescribeLoadBalancerAttribute shows it. */
const secondsTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/**
 * `2018-11-08T20:21Z`: the DOCS sample of DescribeLoadBalancers shows the same instance's creation
 * (CreateTimeStamp 1541679713000, 12:21:53 UTC) in UTC+8, without seconds, still suffixed Z.
 */
const listTime = (ms: number): string => `${new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 16)}Z`

/**
 * A stable OrderId per instance, so a ClientToken replay answers with the same one (the GO model
 * types it int64; this server has no billing orders).
 */
export const orderIdOf = (lb: LoadBalancer): number => {
  const digest = createHash('sha256').update(`${lb.id}/${lb.createdAt}`).digest()
  return 1e11 + (digest.readUIntBE(0, 6) % 1e13)
}

export const presentCreated = (lb: LoadBalancer): Created => ({
  LoadBalancerId: lb.id,
  Address: lb.address,
  LoadBalancerName: lb.name,
  VpcId: lb.vpcId,
  VSwitchId: lb.vSwitchId,
  NetworkType: lb.networkType,
  AddressIPVersion: lb.addressIpVersion,
  ResourceGroupId: lb.resourceGroupId,
  OrderId: orderIdOf(lb),
})

// Fields both descriptions share, with the values this server always has.
const common = (lb: LoadBalancer) => ({
  LoadBalancerId: lb.id,
  LoadBalancerName: lb.name,
  LoadBalancerStatus: lb.status,
  BusinessStatus: 'Normal',
  Address: lb.address,
  AddressType: lb.addressType,
  AddressIPVersion: lb.addressIpVersion,
  RegionId: lb.regionId,
  RegionIdAlias: lb.regionId,
  VpcId: lb.vpcId,
  VSwitchId: lb.vSwitchId,
  NetworkType: lb.networkType,
  MasterZoneId: lb.masterZoneId,
  SlaveZoneId: lb.slaveZoneId,
  PayType: lb.payType,
  InstanceChargeType: lb.instanceChargeType,
  LoadBalancerSpec: lb.spec,
  SpecType: '',
  SpecBpsFlag: false,
  Bandwidth: lb.bandwidth,
  CreateTimeStamp: lb.createdAt,
  ResourceGroupId: lb.resourceGroupId,
  DeleteProtection: lb.deleteProtection,
  ModificationProtectionStatus: lb.modificationProtectionStatus,
  ModificationProtectionReason: lb.modificationProtectionReason,
  ServiceManagedMode: '',
})

export const presentListItem = (lb: LoadBalancer, tags: readonly Tag[]): Item => ({
  ...common(lb),
  InternetChargeType: CHARGE_TYPE_CODE[lb.internetChargeType],
  InternetChargeTypeAlias: lb.internetChargeType,
  CreateTime: listTime(lb.createdAt),
  ServiceManagedReason: '',
  IneffectiveOrderList: [],
  Tags: tags.map(presentTag),
})

/** The default server group's members, and the VPC of each member's server. */
export interface DefaultGroup {
  readonly members: readonly BackendMember[]
  readonly vpcIds: ReadonlyMap<string, string>
}

export const presentAttribute = (
  lb: LoadBalancer,
  tags: readonly Tag[],
  backends: DefaultGroup,
  listeners: ListenerPortsOf,
): Attribute =>
  // Object.assign, not a spread of common(): this object has ~60 fields and is built on every read.
  Object.assign(common(lb), {
  InternetChargeType: lb.internetChargeType,
  CreateTime: secondsTime(lb.createdAt),
  EndTime: secondsTime(NEVER),
  EndTimeStamp: NEVER,
  AutoReleaseTime: 0,
  RenewalStatus: '',
  RenewalDuration: 0,
  RenewalCycUnit: '',
  CloudType: '',
  CloudInstanceType: '',
  CloudInstanceId: '',
  CloudInstanceUid: 0,
  TunnelType: '',
  SupportPrivateLink: false,
  AssociatedCenId: '',
  AssociatedCenStatus: '',
  HasReservedInfo: 'false',
  ReservedInfoOrderType: '',
  ReservedInfoInternetChargeType: '',
  ReservedInfoBandwidth: '',
  ReservedInfoActiveTime: '',
  Labels: [],
  ...listeners,
  // The default server group only (contract §2.2); Terraform rebuilds alicloud_slb_backend_server from it.
  BackendServers: backends.members.map((m) => presentDescribed(m, backends.vpcIds)),
  Tags: tags.map(presentTag),
  })
