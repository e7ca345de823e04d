/**
 * VServer groups on the wire: members (in the Create/Add/… bodies and in DescribeVServerGroupAttribute),
 * the attribute body and a DescribeVServerGroups item, each from domain records (contract §2.5).
 */
import type { Output } from '../../api/spec/dsl.js'
import type {
  associatedObjectsShape,
  attributeMemberShape,
  DescribeVServerGroupAttribute,
  memberShape,
  vServerGroupItem,
} from '../../api/spec/vserver-groups.js'
import type { BackendMember, Tag, VServerGroup } from '../../domain/model.js'
import { presentTag } from './tags.js'

type Member = Output<(typeof memberShape)['fields']>
type AttributeMember = Output<(typeof attributeMemberShape)['fields']>
type Attribute = Output<(typeof DescribeVServerGroupAttribute)['response']>
type Item = Output<(typeof vServerGroupItem)['fields']>
export type AssociatedObjects = Output<(typeof associatedObjectsShape)['fields']>

/** `2018-11-08T12:21:53Z` (contract §2.5). */
const createTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

// Port and Weight are numbers (contract §2.5). ServerIp is kept only for ENIs, as they are identified by it;
// the VPC, cross-region and VBR fields describe hybrid backends this server does not have.
export const presentMember = (m: BackendMember): Member => ({
  ServerId: m.serverId,
  Port: m.port,
  Weight: m.weight,
  Type: m.type,
  Description: m.description,
  ServerIp: m.serverIp,
  VpcId: '',
  ServerRegionId: '',
  VbrId: '',
})

const presentAttributeMember = (m: BackendMember): AttributeMember => ({
  ...presentMember(m),
  ProxyProtocolV2Enabled: false,
})

export const presentAttribute = (
  group: VServerGroup,
  members: readonly BackendMember[],
  tags: readonly Tag[],
): Attribute => ({
  VServerGroupId: group.id,
  VServerGroupName: group.name,
  LoadBalancerId: group.loadBalancerId,
  CreateTime: createTime(group.createdAt),
  ServiceManagedMode: '',
  Tags: tags.map(presentTag),
  BackendServers: members.map(presentAttributeMember),
})

export const presentItem = (
  group: VServerGroup,
  serverCount: number,
  tags: readonly Tag[],
  associated: AssociatedObjects | undefined,
): Item => ({
  VServerGroupId: group.id,
  VServerGroupName: group.name,
  ServerCount: serverCount,
  CreateTime: createTime(group.createdAt),
  ServiceManagedMode: '',
  Tags: tags.map(presentTag),
  AssociatedObjects: associated,
})
