/**
 * VServer groups: create, describe, delete, rename, and add / remove / replace / re-weight their
 * members (contract §2.1, §2.5). RegionId is required for all of them (META, contract §2.0).
 */
import { tagCreateCountLimit } from '../../domain/errors.js'
import { parseBackendServers } from '../protocol/backend-servers.js'
import { SLB_VERSION, defineAction } from './action.js'
import { tagList } from './common.js'
import { p, r } from './dsl.js'

// 1–80 characters: letters, digits, - / . _ (contract §2.5); \p{L} admits the zh pages' Chinese.
// The CCM's names (k8s/<port>/<svc>/<ns>/<cluster>) and Terraform's "tf-server-group" fit.
export const VSERVER_GROUP_NAME = /^[\p{L}\p{N}\-/._]{1,80}$/u

const vServerGroupId = () => p.string({ max: 64 }).required()
const vServerGroupName = () => p.string({ pattern: VSERVER_GROUP_NAME })
const backendServers = () => p.json((raw) => parseBackendServers(raw))
const tagShape = r.object({ TagKey: r.string(), TagValue: r.string() })

/** A member as Create/Add/Remove/Modify/Set return it (GO struct_backend_server_in_create_v_server_group.go). */
export const memberShape = r.object({
  ServerId: r.string(),
  Port: r.int(),
  Weight: r.int(),
  Type: r.string(),
  Description: r.string(),
  ServerIp: r.string(),
  VpcId: r.string(),
  ServerRegionId: r.string(),
  VbrId: r.string(),
})

/** A member in DescribeVServerGroupAttribute: the same plus ProxyProtocolV2Enabled (contract §2.5). */
export const attributeMemberShape = r.object({ ...memberShape.fields, ProxyProtocolV2Enabled: r.bool() })

// No wrapper object around the body, whatever the DOCS samples show (contract §0.8, §4.1).
const membership = {
  VServerGroupId: r.string(),
  BackendServers: r.list('BackendServer', memberShape),
} as const

export const CreateVServerGroup = defineAction({
  name: 'CreateVServerGroup',
  version: SLB_VERSION,
  region: 'required',
  params: {
    LoadBalancerId: p.string({ max: 64 }).required(),
    VServerGroupName: vServerGroupName(),
    // Optional: Terraform and the CCM create empty groups, then add in batches (contract §2.5).
    BackendServers: backendServers(),
    Tag: tagList().invalid(tagCreateCountLimit),
  },
  response: membership,
})

export const AddVServerGroupBackendServers = defineAction({
  name: 'AddVServerGroupBackendServers',
  version: SLB_VERSION,
  region: 'required',
  params: {
    VServerGroupId: vServerGroupId(),
    BackendServers: backendServers().required(),
  },
  response: membership,
})

export const RemoveVServerGroupBackendServers = defineAction({
  name: 'RemoveVServerGroupBackendServers',
  version: SLB_VERSION,
  region: 'required',
  params: {
    VServerGroupId: vServerGroupId(),
    BackendServers: backendServers().required(),
  },
  response: membership,
})

export const ModifyVServerGroupBackendServers = defineAction({
  name: 'ModifyVServerGroupBackendServers',
  version: SLB_VERSION,
  region: 'required',
  params: {
    VServerGroupId: vServerGroupId(),
    // Both optional in META; the action requires equal counts (seed rule, contract §2.5).
    OldBackendServers: backendServers(),
    NewBackendServers: backendServers(),
  },
  response: membership,
})

export const SetVServerGroupAttribute = defineAction({
  name: 'SetVServerGroupAttribute',
  version: SLB_VERSION,
  region: 'required',
  params: {
    VServerGroupId: vServerGroupId(),
    VServerGroupName: vServerGroupName(),
    BackendServers: backendServers(),
  },
  response: {
    VServerGroupId: r.string(),
    VServerGroupName: r.string(),
    BackendServers: r.list('BackendServer', memberShape),
  },
})

export const DeleteVServerGroup = defineAction({
  name: 'DeleteVServerGroup',
  version: SLB_VERSION,
  region: 'required',
  params: {
    VServerGroupId: vServerGroupId(),
  },
  response: {},
})

export const DescribeVServerGroupAttribute = defineAction({
  name: 'DescribeVServerGroupAttribute',
  version: SLB_VERSION,
  region: 'required',
  params: {
    VServerGroupId: vServerGroupId(),
  },
  response: {
    VServerGroupId: r.string(),
    VServerGroupName: r.string(),
    LoadBalancerId: r.string(),
    CreateTime: r.string(),
    ServiceManagedMode: r.string(),
    Tags: r.list('Tag', tagShape),
    // Always present, even empty: Terraform hard-errors on a missing path (contract §2.5, §0.6).
    BackendServers: r.list('BackendServer', attributeMemberShape),
  },
})

/** What DescribeVServerGroups reports as using a group (GO struct_associated_objects.go). */
export const associatedObjectsShape = r.object({
  Listeners: r.opt(r.list('Listener', r.object({ Port: r.int(), Protocol: r.string() }))),
  Rules: r.opt(
    r.list('Rule', r.object({ RuleId: r.string(), Domain: r.string(), Url: r.string(), RuleName: r.string() })),
  ),
})

export const vServerGroupItem = r.object({
  VServerGroupId: r.string(),
  VServerGroupName: r.string(),
  ServerCount: r.int(),
  CreateTime: r.string(),
  ServiceManagedMode: r.string(),
  Tags: r.list('Tag', tagShape),
  // Only with IncludeListener / IncludeRule, as the DOCS sample shows (contract §2.5).
  AssociatedObjects: r.opt(associatedObjectsShape),
})

export const DescribeVServerGroups = defineAction({
  name: 'DescribeVServerGroups',
  version: SLB_VERSION,
  region: 'required',
  params: {
    LoadBalancerId: p.string({ max: 64 }).required(),
    IncludeRule: p.bool().default(false),
    IncludeListener: p.bool().default(false),
    // Filters by group name (contract §2.5).
    Description: p.string({ max: 80 }),
    Tag: tagList(),
  },
  // No pagination (contract §2.5).
  response: {
    VServerGroups: r.list('VServerGroup', vServerGroupItem),
  },
})
