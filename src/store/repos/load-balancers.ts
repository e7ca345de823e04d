/** Load balancer rows, scoped by account and (when given) region. */
import type { Selectable, SelectQueryBuilder, Updateable } from 'kysely'
import type { LoadBalancer } from '../../domain/model.js'
import type { Scope } from '../../domain/scope.js'
import type { LoadBalancerFilter, LoadBalancerPatch, LoadBalancerRepository, Page, Paged } from '../repository.js'
import type { Database, LoadBalancersTable } from '../schema.js'
import { Touched } from '../touched.js'
import { num, type Executor } from './executor.js'

type Row = Selectable<LoadBalancersTable>

const toModel = (r: Row): LoadBalancer => ({
  id: r.id,
  regionId: r.region_id,
  name: r.name,
  address: r.address,
  addressType: r.address_type as LoadBalancer['addressType'],
  addressIpVersion: r.address_ip_version as LoadBalancer['addressIpVersion'],
  networkType: r.network_type as LoadBalancer['networkType'],
  vpcId: r.vpc_id,
  vSwitchId: r.vswitch_id,
  status: r.status as LoadBalancer['status'],
  spec: r.spec,
  internetChargeType: r.internet_charge_type as LoadBalancer['internetChargeType'],
  bandwidth: r.bandwidth,
  payType: r.pay_type,
  instanceChargeType: r.instance_charge_type,
  masterZoneId: r.master_zone_id,
  slaveZoneId: r.slave_zone_id,
  deleteProtection: r.delete_protection as LoadBalancer['deleteProtection'],
  modificationProtectionStatus: r.modification_protection_status as LoadBalancer['modificationProtectionStatus'],
  modificationProtectionReason: r.modification_protection_reason,
  resourceGroupId: r.resource_group_id,
  clientToken: r.client_token,
  createdAt: num(r.created_at),
})

export class KyselyLoadBalancers implements LoadBalancerRepository {
  readonly #db: Executor
  readonly #scope: Scope

  readonly #touched: Touched

  constructor(db: Executor, scope: Scope, touched: Touched = new Touched()) {
    this.#db = db
    this.#scope = scope
    this.#touched = touched
  }

  #scoped() {
    let q = this.#db.selectFrom('load_balancers').where('load_balancers.account_id', '=', this.#scope.accountId)
    if (this.#scope.regionId !== undefined) q = q.where('load_balancers.region_id', '=', this.#scope.regionId)
    return q
  }

  async insert(lb: LoadBalancer, addressNum: number): Promise<void> {
    await this.#db
      .insertInto('load_balancers')
      .values({
        id: lb.id,
        account_id: this.#scope.accountId,
        region_id: lb.regionId,
        name: lb.name,
        address: lb.address,
        address_num: addressNum,
        address_type: lb.addressType,
        address_ip_version: lb.addressIpVersion,
        network_type: lb.networkType,
        vpc_id: lb.vpcId,
        vswitch_id: lb.vSwitchId,
        status: lb.status,
        spec: lb.spec,
        internet_charge_type: lb.internetChargeType,
        bandwidth: lb.bandwidth,
        pay_type: lb.payType,
        instance_charge_type: lb.instanceChargeType,
        master_zone_id: lb.masterZoneId,
        slave_zone_id: lb.slaveZoneId,
        delete_protection: lb.deleteProtection,
        modification_protection_status: lb.modificationProtectionStatus,
        modification_protection_reason: lb.modificationProtectionReason,
        resource_group_id: lb.resourceGroupId,
        client_token: lb.clientToken,
        created_at: lb.createdAt,
      })
      .execute()
  }

  async get(id: string): Promise<LoadBalancer | undefined> {
    const row = await this.#scoped().selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toModel(row)
  }

  async findByClientToken(token: string): Promise<LoadBalancer | undefined> {
    const row = await this.#scoped().selectAll().where('client_token', '=', token).executeTakeFirst()
    return row === undefined ? undefined : toModel(row)
  }

  async list(filter: LoadBalancerFilter, page: Page): Promise<Paged<LoadBalancer>> {
    const q = applyFilter(this.#scoped(), filter)
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(page.limit).offset(page.offset).execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ])
    return { items: rows.map(toModel), total: num(count.n) }
  }

  async countInAccount(): Promise<number> {
    const row = await this.#db
      .selectFrom('load_balancers')
      .where('account_id', '=', this.#scope.accountId)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow()
    return num(row.n)
  }

  async update(id: string, patch: LoadBalancerPatch): Promise<void> {
    const values: Updateable<LoadBalancersTable> = {
      name: patch.name,
      status: patch.status,
      delete_protection: patch.deleteProtection,
      modification_protection_status: patch.modificationProtectionStatus,
      modification_protection_reason: patch.modificationProtectionReason,
      spec: patch.spec,
      internet_charge_type: patch.internetChargeType,
      bandwidth: patch.bandwidth,
      instance_charge_type: patch.instanceChargeType,
    }
    for (const key of Object.keys(values) as Array<keyof typeof values>) {
      if (values[key] === undefined) delete values[key]
    }
    if (Object.keys(values).length === 0) return
    // An inactive load balancer forwards nothing; its other attributes do not reach the data plane.
    if (patch.status !== undefined) this.#touched.loadBalancer(id)
    await this.#db
      .updateTable('load_balancers')
      .set(values)
      .where('id', '=', id)
      .where('account_id', '=', this.#scope.accountId)
      .execute()
  }

  async delete(id: string): Promise<void> {
    this.#touched.loadBalancer(id)
    await this.#db
      .deleteFrom('load_balancers')
      .where('id', '=', id)
      .where('account_id', '=', this.#scope.accountId)
      .execute()
  }

  // Addresses are unique across all accounts: the data plane binds them on this machine.
  async highestAddress(first: number, last: number): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom('load_balancers')
      .where('address_num', '>=', first)
      .where('address_num', '<=', last)
      .select((eb) => eb.fn.max('address_num').as('n'))
      .executeTakeFirst()
    return row?.n === null || row?.n === undefined ? undefined : num(row.n)
  }

  async allocatedAddresses(first: number, last: number): Promise<number[]> {
    const rows = await this.#db
      .selectFrom('load_balancers')
      .where('address_num', '>=', first)
      .where('address_num', '<=', last)
      .select('address_num')
      .orderBy('address_num')
      .execute()
    return rows.map((r) => num(r.address_num))
  }

  async addressTaken(address: string): Promise<boolean> {
    const row = await this.#db.selectFrom('load_balancers').where('address', '=', address).select('id').executeTakeFirst()
    return row !== undefined
  }
}

type LbQuery = SelectQueryBuilder<Database, 'load_balancers', {}>

const EQUALS: Array<[keyof LoadBalancerFilter, keyof Row]> = [
  ['addressType', 'address_type'],
  ['addressIpVersion', 'address_ip_version'],
  ['networkType', 'network_type'],
  ['vpcId', 'vpc_id'],
  ['vSwitchId', 'vswitch_id'],
  ['masterZoneId', 'master_zone_id'],
  ['slaveZoneId', 'slave_zone_id'],
  ['internetChargeType', 'internet_charge_type'],
  ['payType', 'pay_type'],
  ['instanceChargeType', 'instance_charge_type'],
  ['status', 'status'],
  ['resourceGroupId', 'resource_group_id'],
]

function applyFilter(query: LbQuery, filter: LoadBalancerFilter): LbQuery {
  let q = query
  if (filter.ids !== undefined) q = q.where('load_balancers.id', 'in', [...filter.ids, ''])
  // No name is empty (it starts with a letter); PostgreSQL refuses NUL in text, so '' pads the list.
  if (filter.names !== undefined) q = q.where('load_balancers.name', 'in', [...filter.names, ''])
  if (filter.addresses !== undefined) q = q.where('load_balancers.address', 'in', [...filter.addresses, ''])
  for (const [key, column] of EQUALS) {
    const v = filter[key]
    if (typeof v === 'string') q = q.where(`load_balancers.${column}`, '=', v)
  }
  for (const tag of filter.tags ?? []) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('tags')
          .select('tags.tag_key')
          .whereRef('tags.resource_id', '=', 'load_balancers.id')
          .whereRef('tags.account_id', '=', 'load_balancers.account_id')
          .where('tags.resource_type', '=', 'instance')
          .where('tags.tag_key', '=', tag.key)
          .$if(tag.value !== undefined, (sq) => sq.where('tags.tag_value', '=', tag.value ?? '')),
      ),
    )
  }
  return q
}
