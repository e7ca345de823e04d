/**
 * The data plane's read: running listeners of active load balancers, the members of the groups
 * they forward to, and where those servers are. Unscoped on purpose — the data plane serves every
 * account — and cheap when little is running: nothing is read for groups no listener uses.
 */
import type { BackendMember, BackendServerType } from '../domain/model.js'
import type { DataplaneRows, RunningListenerRow, ServerLocation } from './repository.js'
import { toListener } from './repos/listeners.js'
import { num, type Executor } from './repos/executor.js'

// SQLite allows a few thousand bound parameters per statement; stay well below.
const CHUNK = 500

const chunks = <T>(items: readonly T[]): T[][] => {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK))
  return out
}

export async function readDataplane(db: Executor, only?: ReadonlySet<string>): Promise<DataplaneRows> {
  const head = await db
    .selectFrom('change_log')
    .select((eb) => eb.fn.max('generation').as('g'))
    .executeTakeFirst()
  const generation = head?.g === null || head?.g === undefined ? 0 : num(head.g)

  if (only !== undefined && only.size === 0) {
    return { generation, listeners: [], members: new Map(), servers: new Map() }
  }
  const rows = await db
    .selectFrom('listeners')
    .$if(only !== undefined, (q) => q.where('listeners.load_balancer_id', 'in', [...(only ?? [])]))
    .innerJoin('load_balancers', 'load_balancers.id', 'listeners.load_balancer_id')
    .where('listeners.status', '=', 'running')
    .where('load_balancers.status', '=', 'active')
    .selectAll('listeners')
    .select('load_balancers.address as lb_address')
    .orderBy('listeners.load_balancer_id')
    .orderBy('listeners.port')
    .orderBy('listeners.protocol')
    .execute()
  const listeners: RunningListenerRow[] = rows.map((r) => ({ listener: toListener(r), address: r.lb_address }))

  const groupIds = [...new Set(listeners.map((l) => l.listener.vServerGroupId || l.listener.loadBalancerId))]
  const members = new Map<string, BackendMember[]>()
  for (const ids of chunks(groupIds)) {
    const memberRows = await db
      .selectFrom('backend_servers')
      .where('group_id', 'in', ids)
      .selectAll()
      .orderBy('position')
      .orderBy('server_id')
      .orderBy('port')
      .execute()
    for (const m of memberRows) {
      const list = members.get(m.group_id) ?? []
      list.push({
        groupId: m.group_id,
        loadBalancerId: m.load_balancer_id,
        serverId: m.server_id,
        serverIp: m.server_ip,
        port: m.port,
        type: m.type as BackendServerType,
        weight: m.weight,
        description: m.description,
      })
      members.set(m.group_id, list)
    }
  }

  const servers = new Map<string, ServerLocation>()
  const all = [...members.values()].flat()
  const instanceIds = [...new Set(all.filter((m) => m.type === 'ecs').map((m) => m.serverId))]
  const eniIds = [...new Set(all.filter((m) => m.type === 'eni').map((m) => m.serverId))]
  for (const ids of chunks(instanceIds)) {
    const found = await db.selectFrom('instances').where('id', 'in', ids).select(['id', 'private_ip', 'status']).execute()
    for (const i of found) servers.set(i.id, { address: i.private_ip, running: i.status === 'Running' })
  }
  for (const ids of chunks(eniIds)) {
    const found = await db.selectFrom('network_interfaces').where('id', 'in', ids).select(['id', 'primary_ip']).execute()
    for (const e of found) servers.set(e.id, { address: e.primary_ip, running: true })
  }
  return { generation, listeners, members, servers }
}
