/**
 * Members of a default server group on the wire: as Add/SetBackendServers echo them, and as
 * RemoveBackendServers and DescribeLoadBalancerAttribute list them (contract §2.2, §2.4).
 */
import type { Output, Shape } from '../../api/spec/dsl.js'
import type { SetBackendServers, RemoveBackendServers } from '../../api/spec/backend-servers.js'
import type { loadBalancerAttribute } from '../../api/spec/load-balancers.js'
import type { BackendMember } from '../../domain/model.js'

type Fields = Readonly<Record<string, Shape>>
type ItemOf<S> = S extends { kind: 'list'; of: { kind: 'object'; fields: infer F extends Fields } } ? Output<F> : never

type Changed = ItemOf<(typeof SetBackendServers)['response']['BackendServers']>
type Remaining = ItemOf<(typeof RemoveBackendServers)['response']['BackendServers']>
type Described = ItemOf<(typeof loadBalancerAttribute)['BackendServers']>

/** Add/SetBackendServers: Weight goes out as a string (the spec declares it so, contract §2.4). */
export const presentChanged = (m: BackendMember): Changed => ({
  ServerId: m.serverId,
  Weight: String(m.weight),
  Type: m.type,
  Description: m.description,
  ServerIp: m.serverIp,
})

/** RemoveBackendServers' remaining members; `vpcIds` maps a ServerId to its VPC. */
export const presentRemaining = (m: BackendMember, vpcIds: ReadonlyMap<string, string>): Remaining => ({
  ServerId: m.serverId,
  Weight: m.weight,
  Type: m.type,
  Description: m.description,
  ServerIp: m.serverIp,
  VpcId: vpcIds.get(m.serverId) ?? '',
})

/**
 * DescribeLoadBalancerAttribute's BackendServers. ServerIp is '' for an ECS instance: Terraform keeps
 * `server_ip` in a set element, and an address it was not given would make a diff on every plan.
 */
export const presentDescribed = (m: BackendMember, vpcIds: ReadonlyMap<string, string>): Described => ({
  ServerId: m.serverId,
  Weight: m.weight,
  Type: m.type,
  ServerIp: m.serverIp,
  VpcId: vpcIds.get(m.serverId) ?? '',
  Description: m.description,
})
