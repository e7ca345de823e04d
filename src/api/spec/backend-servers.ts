/**
 * The default server group of a load balancer: AddBackendServers, SetBackendServers and
 * RemoveBackendServers (contract §2.1, §2.4).
 */
import { backendServersMalformed } from '../../domain/errors.js'
import {
  MAX_BACKEND_SERVERS_LENGTH,
  parseBackendServers,
  type BackendServerInput,
} from '../protocol/backend-servers.js'
import { SLB_VERSION, defineAction } from './action.js'
import { p, r } from './dsl.js'

const loadBalancerId = () => p.string({ max: 64 }).required()

/** The BackendServers JSON in every dialect of contract §2.1; `[]` reads as an empty list. */
const backendServers = () => p.json((raw) => parseBackendServers(raw))

/**
 * RemoveBackendServers also takes a plain array of IDs, `["i-x","i-y"]`: the legacy Go client
 * (denverdino/aliyungo `RemoveBackendServersArgs.BackendServers []string`) behind older Terraform
 * `alicloud_slb_attachment` releases sends that form.
 */
const serversToRemove = () =>
  p.json((raw): BackendServerInput[] => {
    const ids = idArray(raw)
    if (ids === undefined) return parseBackendServers(raw)
    return ids.map((serverId) => ({
      serverId,
      weight: undefined,
      type: undefined,
      serverIp: undefined,
      port: undefined,
      description: undefined,
    }))
  })

const idArray = (raw: string): string[] | undefined => {
  if (raw.length > MAX_BACKEND_SERVERS_LENGTH) throw backendServersMalformed()
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) return undefined
  if (value.some((v) => v.trim() === '')) throw backendServersMalformed()
  return value
}

/**
 * An item of the Add/SetBackendServers answer. Weight is a string in the GO and TS models of
 * both actions (contract §2.4, §4.1). ServerIp is extra: the ENI address it resolved, '' for ECS.
 */
const changedServer = r.object({
  ServerId: r.string(),
  Weight: r.string(),
  Type: r.string(),
  Description: r.string(),
  ServerIp: r.string(),
})

/** A remaining member in the RemoveBackendServers answer: Weight is an integer here (contract §2.4). */
const remainingServer = r.object({
  ServerId: r.string(),
  Weight: r.int(),
  Type: r.string(),
  Description: r.string(),
  ServerIp: r.string(),
  VpcId: r.string(),
})

export const AddBackendServers = defineAction({
  name: 'AddBackendServers',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: loadBalancerId(),
    // Optional in META 2026 (contract §2.4): absent adds nothing.
    BackendServers: backendServers(),
  },
  response: {
    // Terraform takes its resource ID from this field (contract §2.4).
    LoadBalancerId: r.string(),
    BackendServers: r.list('BackendServer', changedServer),
  },
})

export const SetBackendServers = defineAction({
  name: 'SetBackendServers',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: loadBalancerId(),
    // Terraform's trailing chunk arrives without it (contract §0.4): a no-op.
    BackendServers: backendServers(),
  },
  response: {
    LoadBalancerId: r.string(),
    BackendServers: r.list('BackendServer', changedServer),
  },
})

export const RemoveBackendServers = defineAction({
  name: 'RemoveBackendServers',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    LoadBalancerId: loadBalancerId(),
    BackendServers: serversToRemove().required(),
  },
  response: {
    LoadBalancerId: r.string(),
    BackendServers: r.list('BackendServer', remainingServer),
  },
})
