/**
 * Load balancer instances: create, describe, delete and the attribute setters (contract §2.2).
 * Parameters the service accepts but this server has no use for (AutoPay, Duration, …) are not
 * declared: unknown parameters are ignored (contract §2.0).
 */
import { tagCreateCountLimit } from '../../domain/errors.js'
import { SLB_VERSION, defineAction } from './action.js'
import { tagList } from './common.js'
import { p, r } from './dsl.js'

// The six specs of contract §2.2, plus slb.s4.large which older Terraform releases accept.
export const LOAD_BALANCER_SPECS = [
  'slb.s1.small',
  'slb.s2.small',
  'slb.s2.medium',
  'slb.s3.small',
  'slb.s3.medium',
  'slb.s3.large',
  'slb.s4.large',
] as const

// 1–80 characters starting with a letter; digits, '.', '_' and '-' after it (META; the zh page
// allows Chinese characters, hence \p{L}). The CCM prefixes its names with "a" for this reason.
const NAME = /^\p{L}[\p{L}\p{N}._-]{0,79}$/u
// 1–80 characters starting with a letter (contract §2.2); the CCM sends "managed.by.ack".
const REASON = /^\p{L}[\s\S]{0,79}$/u

const loadBalancerId = () => p.string({ max: 64 }).required()
const loadBalancerName = () => p.string({ pattern: NAME })
// Terraform sends PayByTraffic / PayByBandwidth in the console's spelling; the API's is lower case.
const internetChargeType = () => p.enum(['paybytraffic', 'paybybandwidth'] as const, { caseInsensitive: true })
const bandwidth = () => p.int({ min: 1, max: 5120 })
const instanceChargeType = () => p.enum(['PayBySpec', 'PayByCLCU'] as const, { caseInsensitive: true })
const loadBalancerSpec = () => p.enum(LOAD_BALANCER_SPECS)

/** A `Tags` filter item of DescribeLoadBalancers, in either dialect (contract §2.2). */
export interface TagsFilterItem {
  readonly key: string
  readonly value: string | undefined
}

const field = (item: Record<string, unknown>, name: string): unknown => {
  const key = Object.keys(item).find((k) => k.toLowerCase() === name)
  return key === undefined ? undefined : item[key]
}

const scalarText = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined

/**
 * The legacy `Tags` JSON: the docs' object `{"tagKey":"k","tagValue":"v"}` or the CCM's array
 * `[{"TagKey":"k","TagValue":"v"}, …]`; keys case-insensitive, at most 10 (contract §2.2, §8.8).
 */
export const decodeTagsFilter = (raw: string, fail: () => never): readonly TagsFilterItem[] => {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return fail()
  }
  const items = Array.isArray(parsed) ? parsed : [parsed]
  if (items.length > 10) fail()
  return items.map((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return fail()
    const key = scalarText(field(item as Record<string, unknown>, 'tagkey'))
    const value = field(item as Record<string, unknown>, 'tagvalue')
    if (key === undefined || key === '') return fail()
    if (value !== undefined && value !== null && scalarText(value) === undefined) return fail()
    return { key, value: value === undefined || value === null ? undefined : scalarText(value) }
  })
}

const tagShape = r.object({ TagKey: r.string(), TagValue: r.string() })

/** One item of DescribeLoadBalancers (GO struct_load_balancer.go). */
export const loadBalancerItem = r.object({
  LoadBalancerId: r.string(),
  LoadBalancerName: r.string(),
  LoadBalancerStatus: r.string(),
  BusinessStatus: r.string(),
  Address: r.string(),
  AddressType: r.string(),
  AddressIPVersion: r.string(),
  RegionId: r.string(),
  RegionIdAlias: r.string(),
  VpcId: r.string(),
  VSwitchId: r.string(),
  NetworkType: r.string(),
  MasterZoneId: r.string(),
  SlaveZoneId: r.string(),
  // The numeric code ("4"); the name is in InternetChargeTypeAlias (contract §0.8, §2.2).
  InternetChargeType: r.string(),
  InternetChargeTypeAlias: r.string(),
  PayType: r.string(),
  InstanceChargeType: r.string(),
  LoadBalancerSpec: r.string(),
  SpecType: r.string(),
  SpecBpsFlag: r.bool(),
  Bandwidth: r.int(),
  CreateTime: r.string(),
  CreateTimeStamp: r.int(),
  ResourceGroupId: r.string(),
  DeleteProtection: r.string(),
  ModificationProtectionStatus: r.string(),
  ModificationProtectionReason: r.string(),
  ServiceManagedMode: r.string(),
  ServiceManagedReason: r.string(),
  IneffectiveOrderList: r.list('IneffectiveOrder', r.string()),
  Tags: r.list('Tag', tagShape),
})

/** DescribeLoadBalancerAttribute's body (GO describe_load_balancer_attribute.go). */
export const loadBalancerAttribute = {
  LoadBalancerId: r.string(),
  LoadBalancerName: r.string(),
  LoadBalancerStatus: r.string(),
  BusinessStatus: r.string(),
  Address: r.string(),
  AddressType: r.string(),
  AddressIPVersion: r.string(),
  RegionId: r.string(),
  RegionIdAlias: r.string(),
  VpcId: r.string(),
  VSwitchId: r.string(),
  NetworkType: r.string(),
  MasterZoneId: r.string(),
  SlaveZoneId: r.string(),
  // The name here, unlike DescribeLoadBalancers; the CCM reads it so (contract §2.2).
  InternetChargeType: r.string(),
  PayType: r.string(),
  InstanceChargeType: r.string(),
  LoadBalancerSpec: r.string(),
  SpecType: r.string(),
  SpecBpsFlag: r.bool(),
  Bandwidth: r.int(),
  CreateTime: r.string(),
  CreateTimeStamp: r.int(),
  EndTime: r.string(),
  EndTimeStamp: r.int(),
  AutoReleaseTime: r.int(),
  RenewalStatus: r.string(),
  RenewalDuration: r.int(),
  RenewalCycUnit: r.string(),
  ResourceGroupId: r.string(),
  DeleteProtection: r.string(),
  ModificationProtectionStatus: r.string(),
  ModificationProtectionReason: r.string(),
  ServiceManagedMode: r.string(),
  CloudType: r.string(),
  CloudInstanceType: r.string(),
  CloudInstanceId: r.string(),
  CloudInstanceUid: r.int(),
  TunnelType: r.string(),
  SupportPrivateLink: r.bool(),
  AssociatedCenId: r.string(),
  AssociatedCenStatus: r.string(),
  HasReservedInfo: r.string(),
  ReservedInfoOrderType: r.string(),
  ReservedInfoInternetChargeType: r.string(),
  ReservedInfoBandwidth: r.string(),
  ReservedInfoActiveTime: r.string(),
  Labels: r.list('Label', r.string()),
  ListenerPorts: r.list('ListenerPort', r.int()),
  ListenerPortsAndProtocol: r.list(
    'ListenerPortAndProtocol',
    r.object({
      ListenerPort: r.int(),
      ListenerProtocol: r.string(),
      ListenerForward: r.string(),
      ForwardPort: r.int(),
      Description: r.string(),
    }),
  ),
  // The service's own misspelt twin, still read by old clients (contract §2.2).
  ListenerPortsAndProtocal: r.list(
    'ListenerPortAndProtocal',
    r.object({ ListenerPort: r.int(), ListenerProtocal: r.string() }),
  ),
  // Terraform rebuilds alicloud_slb_backend_server from this list (contract §2.2, §7.3).
  BackendServers: r.list(
    'BackendServer',
    r.object({
      ServerId: r.string(),
      Weight: r.int(),
      Type: r.string(),
      ServerIp: r.string(),
      VpcId: r.string(),
      Description: r.string(),
    }),
  ),
  Tags: r.list('Tag', tagShape),
} as const

export const CreateLoadBalancer = defineAction({
  name: 'CreateLoadBalancer',
  version: SLB_VERSION,
  region: 'required',
  params: {
    AddressType: p.enum(['internet', 'intranet'] as const, { caseInsensitive: true }),
    AddressIPVersion: p.enum(['ipv4', 'ipv6'] as const, { caseInsensitive: true }).default('ipv4'),
    Address: p.string({ max: 64 }),
    VpcId: p.string({ max: 64 }),
    VSwitchId: p.string({ max: 64 }),
    LoadBalancerName: loadBalancerName(),
    LoadBalancerSpec: loadBalancerSpec(),
    InternetChargeType: internetChargeType().default('paybytraffic'),
    Bandwidth: bandwidth(),
    PayType: p.enum(['PayOnDemand', 'PrePay'] as const).default('PayOnDemand'),
    InstanceChargeType: instanceChargeType().default('PayBySpec'),
    MasterZoneId: p.string({ max: 64 }),
    SlaveZoneId: p.string({ max: 64 }),
    DeleteProtection: p.enum(['on', 'off'] as const).default('off'),
    ModificationProtectionStatus: p
      .enum(['NonProtection', 'ConsoleProtection'] as const)
      .default('NonProtection'),
    ModificationProtectionReason: p.string({ pattern: REASON }),
    ResourceGroupId: p.string({ max: 64 }),
    Tag: tagList().invalid(tagCreateCountLimit),
    ClientToken: p.string({ max: 64 }),
  },
  response: {
    LoadBalancerId: r.string(),
    Address: r.string(),
    LoadBalancerName: r.string(),
    VpcId: r.string(),
    VSwitchId: r.string(),
    NetworkType: r.string(),
    AddressIPVersion: r.string(),
    ResourceGroupId: r.string(),
    OrderId: r.int(),
  },
})

export const DescribeLoadBalancers = defineAction({
  name: 'DescribeLoadBalancers',
  version: SLB_VERSION,
  region: 'required',
  params: {
    LoadBalancerId: p.commaList({ maxItems: 10 }),
    LoadBalancerName: p.commaList({ maxItems: 10 }),
    AddressType: p.enum(['internet', 'intranet'] as const, { caseInsensitive: true }),
    Address: p.string({ max: 64 }),
    AddressIPVersion: p.enum(['ipv4', 'ipv6'] as const, { caseInsensitive: true }),
    NetworkType: p.enum(['vpc', 'classic'] as const, { caseInsensitive: true }),
    VpcId: p.string({ max: 64 }),
    VSwitchId: p.string({ max: 64 }),
    MasterZoneId: p.string({ max: 64 }),
    SlaveZoneId: p.string({ max: 64 }),
    InternetChargeType: internetChargeType(),
    PayType: p.enum(['PayOnDemand', 'PrePay'] as const),
    InstanceChargeType: instanceChargeType(),
    LoadBalancerStatus: p.enum(['active', 'inactive', 'locked'] as const),
    BusinessStatus: p.string({ max: 32 }),
    ResourceGroupId: p.string({ max: 64 }),
    ServerId: p.string({ max: 64 }),
    ServerIntranetAddress: p.commaList(),
    Tags: p.json(decodeTagsFilter),
    Tag: tagList(),
    PageNumber: p.int({ min: 1 }).default(1),
    // Default 50: the DOCS sample answers a request without PageSize with PageSize 50 (§8.8).
    PageSize: p.int({ min: 1, max: 100 }).default(50),
  },
  response: {
    PageNumber: r.int(),
    PageSize: r.int(),
    TotalCount: r.int(),
    LoadBalancers: r.list('LoadBalancer', loadBalancerItem),
  },
})

export const DescribeLoadBalancerAttribute = defineAction({
  name: 'DescribeLoadBalancerAttribute',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: loadBalancerId(),
  },
  response: loadBalancerAttribute,
})

export const DeleteLoadBalancer = defineAction({
  name: 'DeleteLoadBalancer',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: loadBalancerId(),
  },
  response: {},
})

export const SetLoadBalancerStatus = defineAction({
  name: 'SetLoadBalancerStatus',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: loadBalancerId(),
    LoadBalancerStatus: p.enum(['active', 'inactive'] as const).required(),
  },
  response: {},
})

export const SetLoadBalancerName = defineAction({
  name: 'SetLoadBalancerName',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: loadBalancerId(),
    LoadBalancerName: loadBalancerName().required(),
  },
  response: {},
})

export const SetLoadBalancerDeleteProtection = defineAction({
  name: 'SetLoadBalancerDeleteProtection',
  version: SLB_VERSION,
  region: 'required',
  params: {
    LoadBalancerId: loadBalancerId(),
    DeleteProtection: p.enum(['on', 'off'] as const).required(),
  },
  response: {},
})

export const SetLoadBalancerModificationProtection = defineAction({
  name: 'SetLoadBalancerModificationProtection',
  version: SLB_VERSION,
  region: 'required',
  params: {
    LoadBalancerId: loadBalancerId(),
    ModificationProtectionStatus: p.enum(['NonProtection', 'ConsoleProtection'] as const).required(),
    ModificationProtectionReason: p.string({ pattern: REASON }),
  },
  response: {},
})

export const ModifyLoadBalancerInstanceSpec = defineAction({
  name: 'ModifyLoadBalancerInstanceSpec',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: loadBalancerId(),
    LoadBalancerSpec: loadBalancerSpec().required(),
  },
  response: {
    OrderId: r.int(),
  },
})

export const ModifyLoadBalancerInternetSpec = defineAction({
  name: 'ModifyLoadBalancerInternetSpec',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: loadBalancerId(),
    InternetChargeType: internetChargeType(),
    Bandwidth: bandwidth(),
  },
  response: {
    OrderId: r.int(),
  },
})

export const ModifyLoadBalancerInstanceChargeType = defineAction({
  name: 'ModifyLoadBalancerInstanceChargeType',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: loadBalancerId(),
    InstanceChargeType: instanceChargeType().required(),
    LoadBalancerSpec: loadBalancerSpec(),
    InternetChargeType: internetChargeType(),
    Bandwidth: bandwidth(),
  },
  response: {},
})
