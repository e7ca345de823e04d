/** Listener rows, scoped by account and (when given) region; attributes as a JSON document. */
import type { Selectable } from 'kysely'
import type { Listener, ListenerAttributes, ListenerProtocol, ListenerStatus } from '../../domain/listener.js'
import type { SchedulerName } from '../../domain/schedulers.js'
import type { Scope } from '../../domain/scope.js'
import type { ListenerFilter, ListenerPatch, ListenerRepository } from '../repository.js'
import type { ListenersTable } from '../schema.js'
import { Touched } from '../touched.js'
import { num, type Executor } from './executor.js'

export const toListener = (r: Selectable<ListenersTable>): Listener => ({
  loadBalancerId: r.load_balancer_id,
  regionId: r.region_id,
  protocol: r.protocol as ListenerProtocol,
  port: r.port,
  status: r.status as ListenerStatus,
  backendServerPort: r.backend_server_port,
  vServerGroupId: r.vserver_group_id,
  scheduler: r.scheduler as SchedulerName,
  bandwidth: r.bandwidth,
  description: r.description,
  attributes: JSON.parse(r.attributes) as ListenerAttributes,
  createdAt: num(r.created_at),
})

export class KyselyListeners implements ListenerRepository {
  readonly #db: Executor
  readonly #scope: Scope

  readonly #touched: Touched

  constructor(db: Executor, scope: Scope, touched: Touched = new Touched()) {
    this.#db = db
    this.#scope = scope
    this.#touched = touched
  }

  #scoped() {
    let q = this.#db.selectFrom('listeners').where('account_id', '=', this.#scope.accountId)
    if (this.#scope.regionId !== undefined) q = q.where('region_id', '=', this.#scope.regionId)
    return q
  }

  #key(l: Pick<Listener, 'loadBalancerId' | 'protocol' | 'port'>) {
    return this.#db
      .updateTable('listeners')
      .where('account_id', '=', this.#scope.accountId)
      .where('load_balancer_id', '=', l.loadBalancerId)
      .where('protocol', '=', l.protocol)
      .where('port', '=', l.port)
  }

  async insert(l: Listener): Promise<void> {
    this.#touched.loadBalancer(l.loadBalancerId)
    await this.#db
      .insertInto('listeners')
      .values({
        load_balancer_id: l.loadBalancerId,
        protocol: l.protocol,
        port: l.port,
        account_id: this.#scope.accountId,
        region_id: l.regionId,
        status: l.status,
        backend_server_port: l.backendServerPort,
        vserver_group_id: l.vServerGroupId,
        scheduler: l.scheduler,
        bandwidth: l.bandwidth,
        description: l.description,
        attributes: JSON.stringify(l.attributes),
        created_at: l.createdAt,
      })
      .execute()
  }

  async onPort(loadBalancerId: string, port: number): Promise<Listener[]> {
    const rows = await this.#scoped()
      .selectAll()
      .where('load_balancer_id', '=', loadBalancerId)
      .where('port', '=', port)
      .orderBy('protocol')
      .execute()
    return rows.map(toListener)
  }

  async get(loadBalancerId: string, protocol: ListenerProtocol, port: number): Promise<Listener | undefined> {
    const row = await this.#scoped()
      .selectAll()
      .where('load_balancer_id', '=', loadBalancerId)
      .where('protocol', '=', protocol)
      .where('port', '=', port)
      .executeTakeFirst()
    return row === undefined ? undefined : toListener(row)
  }

  async list(filter: ListenerFilter): Promise<Listener[]> {
    if (filter.loadBalancerIds.length === 0) return []
    let q = this.#scoped().selectAll().where('load_balancer_id', 'in', filter.loadBalancerIds)
    if (filter.protocol !== undefined) q = q.where('protocol', '=', filter.protocol)
    if (filter.port !== undefined) q = q.where('port', '=', filter.port)
    if (filter.description !== undefined) q = q.where('description', '=', filter.description)
    if (filter.status !== undefined) q = q.where('status', '=', filter.status)
    const rows = await q.orderBy('load_balancer_id').orderBy('port').orderBy('protocol').execute()
    return rows.map(toListener)
  }

  async update(l: Listener, patch: ListenerPatch): Promise<void> {
    const values = {
      ...(patch.status === undefined ? {} : { status: patch.status }),
      ...(patch.backendServerPort === undefined ? {} : { backend_server_port: patch.backendServerPort }),
      ...(patch.vServerGroupId === undefined ? {} : { vserver_group_id: patch.vServerGroupId }),
      ...(patch.scheduler === undefined ? {} : { scheduler: patch.scheduler }),
      ...(patch.bandwidth === undefined ? {} : { bandwidth: patch.bandwidth }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.attributes === undefined ? {} : { attributes: JSON.stringify(patch.attributes) }),
    }
    if (Object.keys(values).length === 0) return
    this.#touched.loadBalancer(l.loadBalancerId)
    await this.#key(l).set(values).execute()
  }

  async delete(l: Listener): Promise<void> {
    this.#touched.loadBalancer(l.loadBalancerId)
    await this.#db
      .deleteFrom('listeners')
      .where('account_id', '=', this.#scope.accountId)
      .where('load_balancer_id', '=', l.loadBalancerId)
      .where('protocol', '=', l.protocol)
      .where('port', '=', l.port)
      .execute()
  }

  async deleteAllOfLoadBalancer(loadBalancerId: string): Promise<void> {
    this.#touched.loadBalancer(loadBalancerId)
    await this.#db
      .deleteFrom('listeners')
      .where('account_id', '=', this.#scope.accountId)
      .where('load_balancer_id', '=', loadBalancerId)
      .execute()
  }

  async usingGroup(vServerGroupId: string): Promise<Listener[]> {
    const rows = await this.#scoped().selectAll().where('vserver_group_id', '=', vServerGroupId).execute()
    return rows.map(toListener)
  }

  async countOfLoadBalancer(loadBalancerId: string): Promise<number> {
    const row = await this.#scoped()
      .where('load_balancer_id', '=', loadBalancerId)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow()
    return num(row.n)
  }
}
