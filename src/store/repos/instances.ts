/** ECS instance rows, scoped by account and (when given) region. */
import type { Instance, InstanceStatus } from '../../domain/model.js'
import type { Scope } from '../../domain/scope.js'
import type { InstanceFilter, InstanceRepository, InstanceState, Page, Paged } from '../repository.js'
import { sql, type Selectable } from 'kysely'
import type { InstancesTable } from '../schema.js'
import { Touched } from '../touched.js'
import { num, rowInScope, type Executor } from './executor.js'

const toModel = (r: Selectable<InstancesTable>): Instance => ({
  id: r.id,
  regionId: r.region_id,
  zoneId: r.zone_id,
  name: r.name,
  description: r.description,
  status: r.status as InstanceStatus,
  privateIp: r.private_ip,
  instanceType: r.instance_type,
  imageId: r.image_id,
  vpcId: r.vpc_id,
  vSwitchId: r.vswitch_id,
  hostName: r.host_name,
  createdAt: num(r.created_at),
})

// DescribeInstances' InstanceName takes `*` as a wildcard; LIKE's own wildcards are escaped with '!'.
const nameMatches = (name: string) => {
  if (!name.includes('*')) return sql<boolean>`name = ${name}`
  const pattern = name.replace(/[!%_]/g, (c) => `!${c}`).replace(/\*/g, '%')
  return sql<boolean>`name like ${pattern} escape '!'`
}

export class KyselyInstances implements InstanceRepository {
  readonly #db: Executor
  readonly #scope: Scope

  readonly #touched: Touched

  constructor(db: Executor, scope: Scope, touched: Touched = new Touched()) {
    this.#db = db
    this.#scope = scope
    this.#touched = touched
  }

  #scoped() {
    let q = this.#db.selectFrom('instances').where('account_id', '=', this.#scope.accountId)
    if (this.#scope.regionId !== undefined) q = q.where('region_id', '=', this.#scope.regionId)
    return q
  }

  async insert(i: Instance): Promise<void> {
    await this.#db
      .insertInto('instances')
      .values({
        id: i.id,
        account_id: this.#scope.accountId,
        region_id: i.regionId,
        zone_id: i.zoneId,
        name: i.name,
        description: i.description,
        status: i.status,
        private_ip: i.privateIp,
        instance_type: i.instanceType,
        image_id: i.imageId,
        vpc_id: i.vpcId,
        vswitch_id: i.vSwitchId,
        host_name: i.hostName,
        created_at: i.createdAt,
      })
      .execute()
  }

  async get(id: string): Promise<Instance | undefined> {
    const row = await this.#scoped().selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toModel(row)
  }

  async byIds(ids: readonly string[]): Promise<Instance[]> {
    if (ids.length === 0) return []
    const rows = await this.#byPrimaryKey(ids).selectAll().execute()
    return rows.filter((r) => rowInScope(this.#scope, r)).map(toModel)
  }

  async states(ids: readonly string[]): Promise<Map<string, InstanceState>> {
    if (ids.length === 0) return new Map()
    // Only these columns: on SQLite, building a row's values costs more than finding the row.
    const rows = await this.#byPrimaryKey(ids).select(['id', 'account_id', 'region_id', 'status']).execute()
    return new Map(
      rows
        .filter((r) => rowInScope(this.#scope, r))
        .map((r) => [r.id, { status: r.status as InstanceStatus, regionId: r.region_id }]),
    )
  }

  // By primary key alone; the scope is checked on the rows (rowInScope).
  #byPrimaryKey(ids: readonly string[]) {
    return this.#db.selectFrom('instances').where('id', 'in', ids)
  }

  async list(filter: InstanceFilter, page: Page): Promise<Paged<Instance>> {
    let q = this.#scoped()
    if (filter.ids !== undefined) q = q.where('id', 'in', [...filter.ids, ''])
    if (filter.privateIps !== undefined) q = q.where('private_ip', 'in', [...filter.privateIps, ''])
    if (filter.status !== undefined) q = q.where('status', '=', filter.status)
    if (filter.name !== undefined) q = q.where(nameMatches(filter.name))
    if (filter.vpcId !== undefined) q = q.where('vpc_id', '=', filter.vpcId)
    if (filter.vSwitchId !== undefined) q = q.where('vswitch_id', '=', filter.vSwitchId)
    if (filter.zoneId !== undefined) q = q.where('zone_id', '=', filter.zoneId)
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy('created_at').orderBy('id').limit(page.limit).offset(page.offset).execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ])
    return { items: rows.map(toModel), total: num(count.n) }
  }

  async setStatus(id: string, status: InstanceStatus): Promise<void> {
    // Any group of any load balancer may hold the instance.
    this.#touched.everything()
    await this.#db
      .updateTable('instances')
      .set({ status })
      .where('id', '=', id)
      .where('account_id', '=', this.#scope.accountId)
      .execute()
  }

  async delete(id: string): Promise<void> {
    this.#touched.everything()
    await this.#db.deleteFrom('instances').where('id', '=', id).where('account_id', '=', this.#scope.accountId).execute()
  }
}
