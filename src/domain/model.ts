/**
 * The domain model: plain, immutable records in camelCase. Wire names live in api/spec and
 * actions/present.ts; column names in store/schema.ts.
 */

export interface AccessKey {
  readonly accessKeyId: string
  readonly secret: string
  readonly accountId: string
  readonly status: 'Active' | 'Inactive'
}

export type OnOff = 'on' | 'off'
export type LoadBalancerStatus = 'active' | 'inactive' | 'locked'
export type ModificationProtection = 'NonProtection' | 'ConsoleProtection'

export interface LoadBalancer {
  readonly id: string
  readonly regionId: string
  readonly name: string
  readonly address: string
  readonly addressType: 'internet' | 'intranet'
  readonly addressIpVersion: 'ipv4' | 'ipv6'
  readonly networkType: 'vpc' | 'classic'
  readonly vpcId: string
  readonly vSwitchId: string
  readonly status: LoadBalancerStatus
  readonly spec: string
  readonly internetChargeType: 'paybytraffic' | 'paybybandwidth'
  readonly bandwidth: number
  readonly payType: string
  readonly instanceChargeType: string
  readonly masterZoneId: string
  readonly slaveZoneId: string
  readonly deleteProtection: OnOff
  readonly modificationProtectionStatus: ModificationProtection
  readonly modificationProtectionReason: string
  readonly resourceGroupId: string
  readonly clientToken: string
  readonly createdAt: number
}

export interface Tag {
  readonly key: string
  readonly value: string
}

/** Tag resource types accepted by TagResources (contract §2.6). */
export const TAG_RESOURCE_TYPES = [
  'instance',
  'certificate',
  'acl',
  'listener',
  'vservergroup',
  'masterslaveservergroup',
] as const
export type TagResourceType = (typeof TAG_RESOURCE_TYPES)[number]

export interface TaggedResource {
  readonly resourceType: TagResourceType
  readonly resourceId: string
  readonly key: string
  readonly value: string
}

export type InstanceStatus = 'Pending' | 'Running' | 'Starting' | 'Stopping' | 'Stopped'

export interface Instance {
  readonly id: string
  readonly regionId: string
  readonly zoneId: string
  readonly name: string
  readonly description: string
  readonly status: InstanceStatus
  readonly privateIp: string
  readonly instanceType: string
  readonly imageId: string
  readonly vpcId: string
  readonly vSwitchId: string
  readonly hostName: string
  readonly createdAt: number
}

export interface NetworkInterface {
  readonly id: string
  readonly regionId: string
  readonly zoneId: string
  readonly name: string
  readonly description: string
  readonly status: 'Available' | 'InUse'
  readonly primaryIp: string
  readonly vpcId: string
  readonly vSwitchId: string
  readonly instanceId: string
  readonly createdAt: number
}
