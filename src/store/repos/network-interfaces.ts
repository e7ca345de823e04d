/** Elastic network interface rows, scoped by account and (when given) region. */
import type { NetworkInterface } from '../../domain/model.js'
import type { Scope } from '../../domain/scope.js'
import type { NetworkInterfaceFilter, NetworkInterfaceRepository, Page, Paged } from '../repository.js'
import type { Selectable } from 'kysely'
import type { NetworkInterfacesTable } from '../schema.js'
import { num, rowInScope, type Executor } from './executor.js'

const toModel = (r: Selectable<NetworkInterfacesTable>): NetworkInterface => ({
  id: r.id,
  regionId: r.region_id,
  zoneId: r.zone_id,
  name: r.name,
  description: r.description,
  status: r.status as NetworkInterface['status'],
  primaryIp: r.primary_ip,
  vpcId: r.vpc_id,
  vSwitchId: r.vswitch_id,
  instanceId: r.instance_id,
  createdAt: num(r.created_at),
})

export class KyselyNetworkInterfaces implements NetworkInterfaceRepository {
  readonly #db: Executor
  readonly #scope: Scope

  constructor(db: Executor, scope: Scope) {
    this.#db = db
    this.#scope = scope
  }

  #scoped() {
    let q = this.#db.selectFrom('network_interfaces').where('account_id', '=', this.#scope.accountId)
    if (this.#scope.regionId !== undefined) q = q.where('region_id', '=', this.#scope.regionId)
    return q
  }

  async insert(e: NetworkInterface): Promise<void> {
    await this.#db
      .insertInto('network_interfaces')
      .values({
        id: e.id,
        account_id: this.#scope.accountId,
        region_id: e.regionId,
        zone_id: e.zoneId,
        name: e.name,
        description: e.description,
        status: e.status,
        primary_ip: e.primaryIp,
        vpc_id: e.vpcId,
        vswitch_id: e.vSwitchId,
        instance_id: e.instanceId,
        created_at: e.createdAt,
      })
      .execute()
  }

  async get(id: string): Promise<NetworkInterface | undefined> {
    const row = await this.#scoped().selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toModel(row)
  }

  async byIds(ids: readonly string[]): Promise<NetworkInterface[]> {
    if (ids.length === 0) return []
    // By primary key alone (every instance has an ENI, so the scope index would walk thousands).
    const rows = await this.#db.selectFrom('network_interfaces').where('id', 'in', ids).selectAll().execute()
    return rows.filter((r) => rowInScope(this.#scope, r)).map(toModel)
  }

  async list(filter: NetworkInterfaceFilter, page: Page): Promise<Paged<NetworkInterface>> {
    let q = this.#scoped()
    if (filter.ids !== undefined) q = q.where('id', 'in', [...filter.ids, ''])
    if (filter.primaryIp !== undefined) q = q.where('primary_ip', '=', filter.primaryIp)
    if (filter.name !== undefined) q = q.where('name', '=', filter.name)
    if (filter.status !== undefined) q = q.where('status', '=', filter.status)
    // '' marks a detached ENI, so it must never pad this list the way it pads the others.
    if (filter.instanceIds !== undefined) {
      q = q.where('instance_id', 'in', [...filter.instanceIds.filter((id) => id !== ''), '-'])
    }
    if (filter.privateIps !== undefined) q = q.where('primary_ip', 'in', [...filter.privateIps, ''])
    if (filter.vpcId !== undefined) q = q.where('vpc_id', '=', filter.vpcId)
    if (filter.vSwitchId !== undefined) q = q.where('vswitch_id', '=', filter.vSwitchId)
    if (filter.attached !== undefined) q = q.where('instance_id', filter.attached ? '<>' : '=', '')
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy('created_at').orderBy('id').limit(page.limit).offset(page.offset).execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ])
    return { items: rows.map(toModel), total: num(count.n) }
  }

  async delete(id: string): Promise<void> {
    await this.#db
      .deleteFrom('network_interfaces')
      .where('id', '=', id)
      .where('account_id', '=', this.#scope.accountId)
      .execute()
  }
}
