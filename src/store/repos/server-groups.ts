/**
 * VServer groups and the members of every server group, scoped by account and (when given) region.
 * Reading, updating and deleting members is SQL text: every member mutation runs these, and the
 * query builder took 12–55 µs to build each of them (as text: 1–15 µs).
 */
import { sql, type Selectable } from 'kysely'
import type { BackendMember, BackendServerType, VServerGroup } from '../../domain/model.js'
import type { Scope } from '../../domain/scope.js'
import type { MemberChange, MemberPatch, ServerGroupRepository } from '../repository.js'
import type { BackendServersTable, VServerGroupsTable } from '../schema.js'
import { Touched } from '../touched.js'
import { num, type Executor } from './executor.js'

const toGroup = (r: Selectable<VServerGroupsTable>): VServerGroup => ({
  id: r.id,
  regionId: r.region_id,
  loadBalancerId: r.load_balancer_id,
  name: r.name,
  createdAt: num(r.created_at),
})

type MemberColumns = Pick<
  BackendServersTable,
  'load_balancer_id' | 'server_id' | 'server_ip' | 'port' | 'type' | 'weight' | 'description'
>

const toMember = (groupId: string, r: MemberColumns): BackendMember => ({
  groupId,
  loadBalancerId: r.load_balancer_id,
  serverId: r.server_id,
  serverIp: r.server_ip,
  port: r.port,
  type: r.type as BackendServerType,
  weight: r.weight,
  description: r.description,
})

export class KyselyServerGroups implements ServerGroupRepository {
  readonly #db: Executor
  readonly #scope: Scope

  readonly #touched: Touched

  constructor(db: Executor, scope: Scope, touched: Touched = new Touched()) {
    this.#db = db
    this.#scope = scope
    this.#touched = touched
  }

  #groups() {
    let q = this.#db.selectFrom('vserver_groups').where('account_id', '=', this.#scope.accountId)
    if (this.#scope.regionId !== undefined) q = q.where('region_id', '=', this.#scope.regionId)
    return q
  }

  #members() {
    return this.#db.selectFrom('backend_servers').where('account_id', '=', this.#scope.accountId)
  }

  async insertGroup(group: VServerGroup): Promise<void> {
    await this.#db
      .insertInto('vserver_groups')
      .values({
        id: group.id,
        account_id: this.#scope.accountId,
        region_id: group.regionId,
        load_balancer_id: group.loadBalancerId,
        name: group.name,
        created_at: group.createdAt,
      })
      .execute()
  }

  async getGroup(id: string): Promise<VServerGroup | undefined> {
    const row = await this.#groups().selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toGroup(row)
  }

  async listGroups(loadBalancerId: string): Promise<VServerGroup[]> {
    const rows = await this.#groups()
      .selectAll()
      .where('load_balancer_id', '=', loadBalancerId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toGroup)
  }

  async renameGroup(id: string, name: string): Promise<void> {
    await this.#db
      .updateTable('vserver_groups')
      .set({ name })
      .where('id', '=', id)
      .where('account_id', '=', this.#scope.accountId)
      .execute()
  }

  async deleteGroup(id: string): Promise<void> {
    await this.#db
      .deleteFrom('backend_servers')
      .where('group_id', '=', id)
      .where('account_id', '=', this.#scope.accountId)
      .execute()
    await this.#db
      .deleteFrom('vserver_groups')
      .where('id', '=', id)
      .where('account_id', '=', this.#scope.accountId)
      .execute()
  }

  async members(groupId: string): Promise<BackendMember[]> {
    // Only the columns a member is made of (its group is the one asked for): on SQLite, building a
    // row's values costs more than finding the row.
    const { rows } = await sql<MemberColumns>`
      select load_balancer_id, server_id, server_ip, port, type, weight, description from backend_servers
      where group_id = ${groupId} and account_id = ${this.#scope.accountId}
      order by "position", server_id, port`.execute(this.#db)
    return rows.map((r) => toMember(groupId, r))
  }

  async countMembers(groupIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>(groupIds.map((id) => [id, 0]))
    if (groupIds.length === 0) return out
    const rows = await this.#members()
      .where('group_id', 'in', groupIds)
      .select((eb) => ['group_id', eb.fn.countAll<number | string>().as('n')])
      .groupBy('group_id')
      .execute()
    for (const row of rows) out.set(row.group_id, num(row.n))
    return out
  }

  async countMembersOfLoadBalancer(loadBalancerId: string): Promise<number> {
    const row = await this.#members()
      .where('load_balancer_id', '=', loadBalancerId)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow()
    return num(row.n)
  }

  async insertMembers(regionId: string, members: readonly BackendMember[]): Promise<void> {
    if (members.length === 0) return
    for (const m of members) this.#touched.loadBalancer(m.loadBalancerId)
    // After every member already in these groups, so two calls within one millisecond keep their order.
    const groupIds = [...new Set(members.map((m) => m.groupId))]
    const last = await this.#members()
      .where('group_id', 'in', groupIds)
      .select((eb) => eb.fn.max('position').as('p'))
      .executeTakeFirst()
    const after = last?.p === null || last?.p === undefined ? 0 : num(last.p) + 1
    const base = Math.max(Date.now() * 1000, after)
    await this.#db
      .insertInto('backend_servers')
      .values(
        members.map((m, i) => ({
          group_id: m.groupId,
          server_id: m.serverId,
          server_ip: m.serverIp,
          port: m.port,
          account_id: this.#scope.accountId,
          region_id: regionId,
          load_balancer_id: m.loadBalancerId,
          type: m.type,
          weight: m.weight,
          description: m.description,
          position: base + i,
        })),
      )
      .execute()
  }

  updateMember(member: BackendMember, patch: MemberPatch): Promise<void> {
    return this.updateMembers([{ member, patch }])
  }

  async updateMembers(changes: readonly MemberChange[]): Promise<void> {
    const changed = changes.filter((c) => c.patch.weight !== undefined || c.patch.description !== undefined)
    if (changed.length === 0) return
    for (const c of changed) this.#touched.loadBalancer(c.member.loadBalancerId)
    // One statement for the whole batch, joined to the rows by primary key; NULL keeps a value. The
    // casts type the parameters on PostgreSQL, which would take them for text.
    const values = changed.map(
      ({ member: m, patch: p }) =>
        sql`(${m.groupId}, ${m.serverId}, ${m.serverIp}, cast(${m.port} as integer),
          cast(${p.weight ?? null} as integer), ${p.description ?? null})`,
    )
    await sql`
      with v (group_id, server_id, server_ip, port, weight, description) as (values ${sql.join(values)})
      update backend_servers
      set weight = coalesce(v.weight, backend_servers.weight),
        description = coalesce(v.description, backend_servers.description)
      from v
      where backend_servers.group_id = v.group_id and backend_servers.server_id = v.server_id
        and backend_servers.server_ip = v.server_ip and backend_servers.port = v.port
        and backend_servers.account_id = ${this.#scope.accountId}`.execute(this.#db)
  }

  async removeMembers(members: readonly BackendMember[]): Promise<void> {
    if (members.length === 0) return
    for (const m of members) this.#touched.loadBalancer(m.loadBalancerId)
    // One statement for the whole batch (up to the per-call limit of members), each found by primary key.
    const rows = members.map(
      (m) =>
        sql`(group_id = ${m.groupId} and server_id = ${m.serverId} and server_ip = ${m.serverIp} and port = ${m.port})`,
    )
    await sql`
      delete from backend_servers
      where account_id = ${this.#scope.accountId} and (${sql.join(rows, sql` or `)})`.execute(this.#db)
  }

  async deleteAllOfLoadBalancer(loadBalancerId: string): Promise<void> {
    this.#touched.loadBalancer(loadBalancerId)
    await this.#db
      .deleteFrom('backend_servers')
      .where('load_balancer_id', '=', loadBalancerId)
      .where('account_id', '=', this.#scope.accountId)
      .execute()
    await this.#db
      .deleteFrom('vserver_groups')
      .where('load_balancer_id', '=', loadBalancerId)
      .where('account_id', '=', this.#scope.accountId)
      .execute()
  }

  async removeServerEverywhere(serverId: string): Promise<string[]> {
    const affected = await this.loadBalancersWithServers([serverId])
    for (const id of affected) this.#touched.loadBalancer(id)
    await this.#db
      .deleteFrom('backend_servers')
      .where('account_id', '=', this.#scope.accountId)
      .where('server_id', '=', serverId)
      .execute()
    return affected
  }

  async loadBalancersWithServers(serverIds: readonly string[]): Promise<string[]> {
    if (serverIds.length === 0) return []
    let q = this.#members().where('server_id', 'in', serverIds)
    if (this.#scope.regionId !== undefined) q = q.where('region_id', '=', this.#scope.regionId)
    const rows = await q.select('load_balancer_id').distinct().orderBy('load_balancer_id').execute()
    return rows.map((r) => r.load_balancer_id)
  }
}
