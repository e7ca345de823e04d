/**
 * Instance records in the wire shape of DescribeInstances (`@alicloud/ecs20140526`
 * DescribeInstancesResponseBodyInstancesInstance); sizes and OS names are derived from the type and image.
 */
import { createHash } from 'node:crypto'
import type { Output } from '../../api/spec/dsl.js'
import type * as spec from '../../api/spec/ecs.js'
import type { Instance, NetworkInterface } from '../../domain/model.js'
import { eniType, macAddress } from './network-interfaces.js'

type DescribedInstance = Output<typeof spec.DescribeInstances.response>['Instances'][number]

// ECS shows instance times to the minute: `2017-12-10T04:04Z`.
export const instanceTime = (ms: number): string => new Date(ms).toISOString().slice(0, 16) + 'Z'

/** The host name ECS gives an instance created without one: `iZ<id without "i-">Z`. */
export const defaultHostName = (instanceId: string): string => `iZ${instanceId.replace(/^i-/, '')}Z`

// `ecs.<family>.<size>`: small 1 vCPU, large 2, xlarge 4, Nxlarge 4N; MiB per vCPU by family letter.
const SIZE = /^(?:(small|medium|large)|(\d*)xlarge)$/
const MIB_PER_CPU: Readonly<Record<string, number>> = { c: 2048, g: 4096, r: 8192 }

export function instanceSize(instanceType: string): { cpu: number; memory: number; family: string } {
  const [, family = '', size = ''] = instanceType.split('.')
  const m = SIZE.exec(size)
  const cpu = m === null ? 2 : m[1] === 'small' || m[1] === 'medium' ? 1 : m[1] === 'large' ? 2 : 4 * Number(m[2] || 1)
  return { cpu, memory: cpu * (MIB_PER_CPU[family.charAt(0)] ?? 4096), family: `ecs.${family}` }
}

// Public image IDs read `<distro>_<major>_<minor>_x64_...`.
function osNames(imageId: string): { type: string; zh: string; en: string } {
  const type = imageId.toLowerCase().startsWith('win') ? 'windows' : 'linux'
  const m = /^([a-z]+)_(\d+)_(\d+)_x64/.exec(imageId)
  if (m === null) return { type, zh: imageId, en: imageId }
  const name = `${m[1]!.charAt(0).toUpperCase()}${m[1]!.slice(1)} ${m[2]}.${m[3]}`
  return { type, zh: `${name} 64位`, en: `${name} 64 bit` }
}

const serialNumber = (id: string): string => {
  const h = createHash('sha256').update(id).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/** `enis` are the instance's network interfaces (its primary one in this subset). */
export function presentInstance(instance: Instance, enis: readonly NetworkInterface[]): DescribedInstance {
  const size = instanceSize(instance.instanceType)
  const os = osNames(instance.imageId)
  const created = instanceTime(instance.createdAt)
  return {
    InstanceId: instance.id,
    InstanceName: instance.name,
    Description: instance.description,
    HostName: instance.hostName,
    Status: instance.status,
    RegionId: instance.regionId,
    ZoneId: instance.zoneId,
    InstanceType: instance.instanceType,
    InstanceTypeFamily: size.family,
    ImageId: instance.imageId,
    OSType: os.type,
    OSName: os.zh,
    OSNameEn: os.en,
    Cpu: size.cpu,
    Memory: size.memory,
    GPUAmount: 0,
    GPUSpec: '',
    LocalStorageAmount: 0,
    LocalStorageCapacity: 0,
    CreationTime: created,
    StartTime: created,
    // What ECS shows for pay-as-you-go instances, which never expire.
    ExpiredTime: '2099-12-31T15:59Z',
    AutoReleaseTime: '',
    InstanceChargeType: 'PostPaid',
    InternetChargeType: 'PayByTraffic',
    InternetMaxBandwidthIn: 0,
    InternetMaxBandwidthOut: 0,
    SpotStrategy: 'NoSpot',
    SpotPriceLimit: 0,
    SpotDuration: 0,
    StoppedMode: instance.status === 'Stopped' ? 'KeepCharging' : 'Not-applicable',
    InstanceNetworkType: 'vpc',
    IoOptimized: true,
    DeletionProtection: false,
    DeviceAvailable: true,
    Recyclable: false,
    CreditSpecification: '',
    DeploymentSetId: '',
    KeyPairName: '',
    ResourceGroupId: '',
    SerialNumber: serialNumber(instance.id),
    VlanId: '',
    ClusterId: '',
    HpcClusterId: '',
    SaleCycle: '',
    VpcAttributes: {
      VpcId: instance.vpcId,
      VSwitchId: instance.vSwitchId,
      PrivateIpAddress: [instance.privateIp],
      NatIpAddress: '',
    },
    InnerIpAddress: [],
    PublicIpAddress: [],
    RdmaIpAddress: [],
    EipAddress: { AllocationId: '', IpAddress: '', InternetChargeType: '' },
    NetworkInterfaces: enis.map((eni) => ({
      NetworkInterfaceId: eni.id,
      Type: eniType(eni),
      PrimaryIpAddress: eni.primaryIp,
      MacAddress: macAddress(eni.id),
      PrivateIpSets: [{ PrivateIpAddress: eni.primaryIp, Primary: true }],
    })),
    SecurityGroupIds: [],
    Tags: [],
    OperationLocks: [],
    DedicatedHostAttribute: { DedicatedHostId: '', DedicatedHostName: '', DedicatedHostClusterId: '' },
    DedicatedInstanceAttribute: { Tenancy: '', Affinity: '' },
    EcsCapacityReservationAttr: { CapacityReservationId: '', CapacityReservationPreference: '' },
    MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'optional', HttpPutResponseHopLimit: 1 },
    CpuOptions: { CoreCount: Math.max(1, Math.floor(size.cpu / 2)), ThreadsPerCore: size.cpu > 1 ? 2 : 1, Numa: '' },
    HibernationOptions: { Configured: false },
  }
}
