/**
 * The ECS 2014-05-26 subset that gives SLB backends (`ServerId`) an address and a status: instances and
 * elastic network interfaces. Field names and types follow the generated `@alicloud/ecs20140526` models.
 */
import {
  descriptionMalformed,
  hostNameMalformed,
  instanceIdsMalformed,
  instanceNameMalformed,
  instanceTypeNotSupported,
  invalidParameter,
  privateIpMalformed,
  type SlbError,
  tooManyInstanceIds,
} from '../../domain/errors.js'
import { ECS_VERSION, defineAction } from './action.js'
import { p, r } from './dsl.js'

export const INSTANCE_STATUSES = ['Pending', 'Running', 'Starting', 'Stopping', 'Stopped'] as const
export const ENI_STATUSES = ['Available', 'Attaching', 'InUse', 'Detaching', 'Deleting'] as const

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const NOT_A_URL = /^(?!https?:\/\/)/
// Names start with a letter (any script) and go on with letters, digits, '.', ':', '_' or '-'.
const NAME = /^(?!https?:\/\/)\p{L}[\p{L}\p{N}.:_-]*$/u
// Linux host names: dot-separated segments of letters, digits and inner hyphens.
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/

const privateIp = () => p.string({ pattern: IPV4 }).invalid(() => privateIpMalformed())
const description = () => p.string({ max: 256, pattern: NOT_A_URL }).invalid(() => descriptionMalformed())

/** A JSON array of strings (InstanceIds, PrivateIpAddresses); `[]` reads as "no filter". */
const jsonStrings = (max: number, tooMany: () => SlbError) =>
  p.json<readonly string[] | undefined>((raw, fail) => {
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch {
      return fail()
    }
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return fail()
    if (value.length > max) throw tooMany()
    return value.length === 0 ? undefined : (value as string[])
  })

/** Both paging styles ECS accepts: PageNumber/PageSize (deprecated) and NextToken/MaxResults. */
const paging = (maxPageSize: number) => ({
  PageNumber: p.int({ min: 1 }).default(1),
  PageSize: p.int({ min: 1, max: maxPageSize }).default(10),
  NextToken: p.string({ max: 256 }),
  // Out-of-range MaxResults is clamped, not refused (DescribeInstances / DescribeNetworkInterfaces docs).
  MaxResults: p.int(),
})

const ipList = () => r.list('IpAddress', r.string())
const tagList = () => r.list('Tag', r.object({ TagKey: r.string(), TagValue: r.string() }))
const securityGroupIds = () => r.list('SecurityGroupId', r.string())

// ---------------------------------------------------------------------------------------------
// Instances.

export const RunInstances = defineAction({
  name: 'RunInstances',
  version: ECS_VERSION,
  region: 'required',
  params: {
    ImageId: p.string({ max: 128 }).default('ubuntu_22_04_x64_20G_alibase_20240101.vhd'),
    InstanceType: p
      .string({ max: 64, pattern: /^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/ })
      .invalid(() => instanceTypeNotSupported())
      .default('ecs.g7.large'),
    PrivateIpAddress: privateIp(),
    InstanceName: p.string({ min: 2, max: 128, pattern: NAME }).invalid(() => instanceNameMalformed()),
    HostName: p.string({ min: 2, max: 64, pattern: HOST_NAME }).invalid(() => hostNameMalformed()),
    Description: description(),
    Amount: p.int({ min: 1, max: 100 }).default(1),
    ZoneId: p.string({ max: 64 }),
    VSwitchId: p.string({ max: 64 }),
    // SecurityGroupId(s), Tag.N.* and the billing, disk and image options are accepted and not kept.
  },
  response: {
    InstanceIdSets: r.list('InstanceIdSet', r.string()),
    OrderId: r.string(),
    TradePrice: r.int(),
  },
})

export const DescribeInstances = defineAction({
  name: 'DescribeInstances',
  version: ECS_VERSION,
  region: 'required',
  params: {
    InstanceIds: jsonStrings(100, tooManyInstanceIds).invalid(() => instanceIdsMalformed()),
    PrivateIpAddresses: jsonStrings(100, () => invalidParameter('PrivateIpAddresses')),
    Status: p.enum(INSTANCE_STATUSES),
    InstanceName: p.string({ max: 128 }),
    VpcId: p.string({ max: 64 }),
    VSwitchId: p.string({ max: 64 }),
    ZoneId: p.string({ max: 64 }),
    ...paging(100),
  },
  response: {
    TotalCount: r.int(),
    PageNumber: r.int(),
    PageSize: r.int(),
    NextToken: r.string(),
    Instances: r.list(
      'Instance',
      r.object({
        InstanceId: r.string(),
        InstanceName: r.string(),
        Description: r.string(),
        HostName: r.string(),
        Status: r.string(),
        RegionId: r.string(),
        ZoneId: r.string(),
        InstanceType: r.string(),
        InstanceTypeFamily: r.string(),
        ImageId: r.string(),
        OSType: r.string(),
        OSName: r.string(),
        OSNameEn: r.string(),
        Cpu: r.int(),
        Memory: r.int(),
        GPUAmount: r.int(),
        GPUSpec: r.string(),
        LocalStorageAmount: r.int(),
        LocalStorageCapacity: r.int(),
        CreationTime: r.string(),
        StartTime: r.string(),
        ExpiredTime: r.string(),
        AutoReleaseTime: r.string(),
        InstanceChargeType: r.string(),
        InternetChargeType: r.string(),
        InternetMaxBandwidthIn: r.int(),
        InternetMaxBandwidthOut: r.int(),
        SpotStrategy: r.string(),
        SpotPriceLimit: r.int(),
        SpotDuration: r.int(),
        StoppedMode: r.string(),
        InstanceNetworkType: r.string(),
        IoOptimized: r.bool(),
        DeletionProtection: r.bool(),
        DeviceAvailable: r.bool(),
        Recyclable: r.bool(),
        CreditSpecification: r.string(),
        DeploymentSetId: r.string(),
        KeyPairName: r.string(),
        ResourceGroupId: r.string(),
        SerialNumber: r.string(),
        VlanId: r.string(),
        ClusterId: r.string(),
        HpcClusterId: r.string(),
        SaleCycle: r.string(),
        VpcAttributes: r.object({
          VpcId: r.string(),
          VSwitchId: r.string(),
          PrivateIpAddress: ipList(),
          NatIpAddress: r.string(),
        }),
        InnerIpAddress: ipList(),
        PublicIpAddress: ipList(),
        RdmaIpAddress: ipList(),
        EipAddress: r.object({ AllocationId: r.string(), IpAddress: r.string(), InternetChargeType: r.string() }),
        NetworkInterfaces: r.list(
          'NetworkInterface',
          r.object({
            NetworkInterfaceId: r.string(),
            Type: r.string(),
            PrimaryIpAddress: r.string(),
            MacAddress: r.string(),
            PrivateIpSets: r.list('PrivateIpSet', r.object({ PrivateIpAddress: r.string(), Primary: r.bool() })),
          }),
        ),
        SecurityGroupIds: securityGroupIds(),
        Tags: tagList(),
        OperationLocks: r.list('LockReason', r.object({ LockReason: r.string(), LockMsg: r.string() })),
        DedicatedHostAttribute: r.object({
          DedicatedHostId: r.string(),
          DedicatedHostName: r.string(),
          DedicatedHostClusterId: r.string(),
        }),
        DedicatedInstanceAttribute: r.object({ Tenancy: r.string(), Affinity: r.string() }),
        EcsCapacityReservationAttr: r.object({
          CapacityReservationId: r.string(),
          CapacityReservationPreference: r.string(),
        }),
        MetadataOptions: r.object({
          HttpEndpoint: r.string(),
          HttpTokens: r.string(),
          HttpPutResponseHopLimit: r.int(),
        }),
        CpuOptions: r.object({ CoreCount: r.int(), ThreadsPerCore: r.int(), Numa: r.string() }),
        HibernationOptions: r.object({ Configured: r.bool() }),
      }),
    ),
  },
})

export const StartInstance = defineAction({
  name: 'StartInstance',
  version: ECS_VERSION,
  // The generated client sends no RegionId for these three: the instance ID is global.
  region: 'optional',
  params: {
    InstanceId: p.string({ max: 64 }).required(),
  },
  response: {},
})

export const StopInstance = defineAction({
  name: 'StopInstance',
  version: ECS_VERSION,
  region: 'optional',
  params: {
    InstanceId: p.string({ max: 64 }).required(),
    // Stopping is immediate here, so a forced stop is the same as a graceful one.
    ForceStop: p.bool().default(false),
  },
  response: {},
})

export const DeleteInstance = defineAction({
  name: 'DeleteInstance',
  version: ECS_VERSION,
  region: 'optional',
  params: {
    InstanceId: p.string({ max: 64 }).required(),
    Force: p.bool().default(false),
  },
  response: {},
})

// ---------------------------------------------------------------------------------------------
// Elastic network interfaces.

const privateIpSet = () =>
  r.list('PrivateIpSet', r.object({ PrivateIpAddress: r.string(), Primary: r.bool() }))
const ipv6Sets = () => r.list('Ipv6Set', r.object({ Ipv6Address: r.string(), Primary: r.bool() }))
const ipv4PrefixSets = () => r.list('Ipv4PrefixSet', r.object({ Ipv4Prefix: r.string() }))
const ipv6PrefixSets = () => r.list('Ipv6PrefixSet', r.object({ Ipv6Prefix: r.string() }))

export const CreateNetworkInterface = defineAction({
  name: 'CreateNetworkInterface',
  version: ECS_VERSION,
  region: 'required',
  params: {
    VSwitchId: p.string({ max: 64 }),
    PrimaryIpAddress: privateIp(),
    NetworkInterfaceName: p.string({ min: 2, max: 128, pattern: NAME }),
    Description: description(),
    // SecurityGroupId(s) and Tag.N.* are accepted and not kept.
  },
  response: {
    NetworkInterfaceId: r.string(),
    NetworkInterfaceName: r.string(),
    Description: r.string(),
    Status: r.string(),
    Type: r.string(),
    VpcId: r.string(),
    VSwitchId: r.string(),
    ZoneId: r.string(),
    PrivateIpAddress: r.string(),
    MacAddress: r.string(),
    OwnerId: r.string(),
    ResourceGroupId: r.string(),
    ServiceManaged: r.bool(),
    SecurityGroupIds: securityGroupIds(),
    PrivateIpSets: privateIpSet(),
    Ipv6Sets: ipv6Sets(),
    Ipv4PrefixSets: ipv4PrefixSets(),
    Ipv6PrefixSets: ipv6PrefixSets(),
    Tags: tagList(),
  },
})

export const DescribeNetworkInterfaces = defineAction({
  name: 'DescribeNetworkInterfaces',
  version: ECS_VERSION,
  region: 'required',
  params: {
    NetworkInterfaceId: p.list({ max: 64 }, { maxItems: 100 }),
    PrimaryIpAddress: p.string({ max: 64 }),
    PrivateIpAddress: p.list({ max: 64 }, { maxItems: 100 }),
    NetworkInterfaceName: p.string({ max: 128 }),
    Status: p.enum(ENI_STATUSES),
    Type: p.enum(['Primary', 'Secondary']),
    InstanceId: p.string({ max: 64 }),
    VpcId: p.string({ max: 64 }),
    VSwitchId: p.string({ max: 64 }),
    ...paging(1000),
  },
  response: {
    TotalCount: r.int(),
    PageNumber: r.int(),
    PageSize: r.int(),
    NextToken: r.string(),
    NetworkInterfaceSets: r.list(
      'NetworkInterfaceSet',
      r.object({
        NetworkInterfaceId: r.string(),
        NetworkInterfaceName: r.string(),
        Description: r.string(),
        Status: r.string(),
        Type: r.string(),
        VpcId: r.string(),
        VSwitchId: r.string(),
        ZoneId: r.string(),
        PrivateIpAddress: r.string(),
        MacAddress: r.string(),
        InstanceId: r.string(),
        CreationTime: r.string(),
        OwnerId: r.string(),
        ResourceGroupId: r.string(),
        ServiceManaged: r.bool(),
        NetworkInterfaceTrafficMode: r.string(),
        AssociatedPublicIp: r.object({ PublicIpAddress: r.string(), AllocationId: r.string() }),
        SecurityGroupIds: securityGroupIds(),
        PrivateIpSets: privateIpSet(),
        Ipv6Sets: ipv6Sets(),
        Ipv4PrefixSets: ipv4PrefixSets(),
        Ipv6PrefixSets: ipv6PrefixSets(),
        Tags: tagList(),
      }),
    ),
  },
})

export const DeleteNetworkInterface = defineAction({
  name: 'DeleteNetworkInterface',
  version: ECS_VERSION,
  region: 'required',
  params: {
    NetworkInterfaceId: p.string({ max: 64 }).required(),
  },
  response: {},
})
