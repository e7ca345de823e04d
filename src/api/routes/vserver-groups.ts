/** Routes: VServer groups and their members. */
import * as groups from '../../actions/vserver-groups.js'
import { route, type Route } from '../route.js'
import * as spec from '../spec/vserver-groups.js'

export const vServerGroupRoutes: readonly Route[] = [
  route(spec.CreateVServerGroup, groups.createVServerGroup),
  route(spec.AddVServerGroupBackendServers, groups.addVServerGroupBackendServers),
  route(spec.RemoveVServerGroupBackendServers, groups.removeVServerGroupBackendServers),
  route(spec.ModifyVServerGroupBackendServers, groups.modifyVServerGroupBackendServers),
  route(spec.SetVServerGroupAttribute, groups.setVServerGroupAttribute),
  route(spec.DeleteVServerGroup, groups.deleteVServerGroup),
  route(spec.DescribeVServerGroupAttribute, groups.describeVServerGroupAttribute),
  route(spec.DescribeVServerGroups, groups.describeVServerGroups),
]
