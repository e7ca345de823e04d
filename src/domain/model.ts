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

export type BackendServerType = 'ecs' | 'eni' | 'eci'

export interface VServerGroup {
  readonly id: string
  readonly regionId: string
  readonly loadBalancerId: string
  readonly name: string
  readonly createdAt: number
}

/**
 * A backend server's membership in a server group. The default server group of a load balancer
 * has the load balancer's id as its groupId and port 0 (its port comes from the listener).
 */
export interface BackendMember {
  readonly groupId: string
  readonly loadBalancerId: string
  readonly serverId: string
  /** '' for ECS instances; the ENI/ECI address otherwise. */
  readonly serverIp: string
  readonly port: number
  readonly type: BackendServerType
  readonly weight: number
  readonly description: string
}

/** The identity of a member within its group (contract §2.1). */
export const memberKey = (m: Pick<BackendMember, 'serverId' | 'serverIp' | 'port'>): string =>
  `${m.serverId}|${m.serverIp}|${m.port}`
