/** Private IPs held by instances and ENIs: unique per account and region. */
import type { Scope } from '../../domain/scope.js'
import type { PrivateIpRepository } from '../repository.js'
import type { Executor } from './executor.js'

export class KyselyPrivateIps implements PrivateIpRepository {
  readonly #db: Executor
  readonly #scope: Scope

  constructor(db: Executor, scope: Scope) {
    this.#db = db
    this.#scope = scope
  }

  #region(): string {
    if (this.#scope.regionId === undefined) throw new Error('private IPs need a region scope')
    return this.#scope.regionId
  }

  async claim(ip: string, ownerId: string): Promise<boolean> {
    const result = await this.#db
      .insertInto('private_ips')
      .values({ account_id: this.#scope.accountId, region_id: this.#region(), ip, owner_id: ownerId })
      .onConflict((oc) => oc.columns(['account_id', 'region_id', 'ip']).doNothing())
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1
  }

  async release(ownerId: string): Promise<void> {
    await this.#db
      .deleteFrom('private_ips')
      .where('account_id', '=', this.#scope.accountId)
      .where('owner_id', '=', ownerId)
      .execute()
  }

  async claimed(): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('private_ips')
      .where('account_id', '=', this.#scope.accountId)
      .where('region_id', '=', this.#region())
      .select('ip')
      .execute()
    return rows.map((r) => r.ip)
  }
}
