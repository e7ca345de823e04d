/** The Store on Kysely: scoped transactions, the generation bump, keys and nonces. */
import type { Kysely } from 'kysely'
import type { AccessKey } from '../domain/model.js'
import type { Scope } from '../domain/scope.js'
import type { SqlDialect } from './dialect.js'
import { migrateToLatest } from './migrate.js'
import { readDataplane } from './dataplane-rows.js'
import { NonceLog } from './nonce-log.js'
import type { ChangeRow, ChangeSource } from './change-feed.js'
import { lockGeneration, subscribeToChanges, withAccountLock, type Subscription } from './postgres.js'
import type { DataplaneRows, Repositories, Store, WriteOptions } from './repository.js'
import type { Executor } from './repos/executor.js'
import { num } from './repos/executor.js'
import { KyselyInstances } from './repos/instances.js'
import { KyselyLoadBalancers } from './repos/load-balancers.js'
import { KyselyNetworkInterfaces } from './repos/network-interfaces.js'
import { KyselyPrivateIps } from './repos/private-ips.js'
import { KyselyServerGroups } from './repos/server-groups.js'
import { KyselyListeners } from './repos/listeners.js'
import { KyselyTags } from './repos/tags.js'
import { retryConflicts } from './retry.js'
import { changeOf, decodeChange, encodeChange, Touched, type DataplaneChange } from './touched.js'
import { unavailable } from './unavailable.js'
import { Turns } from './turns.js'
import type { Database } from './schema.js'

const KEY_CACHE_MS = 5_000
const KEY_CACHE_SIZE = 10_000

/** Repositories on `db`; writes record what the data plane must reread in `touched`. */
const repositories = (db: Executor, scope: Scope, touched: Touched = new Touched()): Repositories => ({
  scope,
  loadBalancers: new KyselyLoadBalancers(db, scope, touched),
  tags: new KyselyTags(db, scope),
  instances: new KyselyInstances(db, scope, touched),
  networkInterfaces: new KyselyNetworkInterfaces(db, scope),
  privateIps: new KyselyPrivateIps(db, scope),
  serverGroups: new KyselyServerGroups(db, scope, touched),
  listeners: new KyselyListeners(db, scope, touched),
})

export class KyselyStore implements Store, ChangeSource {
  readonly #db: Kysely<Database>
  readonly #dialect: SqlDialect
  /** PostgreSQL's URL, for the change feed's own connection. */
  readonly #url: string | undefined
  readonly #onCommit: Array<(generation: number, change: DataplaneChange | undefined) => void> = []
  /** Keys are read on every request; a change to a key takes effect within KEY_CACHE_MS. */
  readonly #keys = new Map<string, { key: AccessKey; until: number }>()

  readonly #nonces: NonceLog
  /** PostgreSQL: one write per account at a time on this node, so few connections wait on its lock. */
  readonly #turns = new Turns()

  private constructor(db: Kysely<Database>, dialect: SqlDialect, url: string | undefined) {
    this.#db = db
    this.#dialect = dialect
    this.#url = url
    this.#nonces = new NonceLog(db)
  }

  /** Migrates the database to the latest version and returns the store on it. */
  static async open(db: Kysely<Database>, dialect: SqlDialect, url?: string): Promise<KyselyStore> {
    // An unreachable PostgreSQL fails here too; its pool must not outlive the failed start.
    const result = await migrateToLatest(db, dialect).catch(async (err: unknown) => {
      await db.destroy()
      throw err
    })
    if (result.error !== undefined) {
      await db.destroy()
      throw new Error('database migration failed', { cause: result.error })
    }
    return new KyselyStore(db, dialect, url)
  }

  get dialect(): SqlDialect {
    return this.#dialect
  }

  /**
   * Called after every commit with the new generation and what the data plane must reread
   * (undefined when the write cannot change what it forwards): the in-process change feed.
   */
  onCommit(listener: (generation: number, change: DataplaneChange | undefined) => void): void {
    this.#onCommit.push(listener)
  }

  async read<T>(scope: Scope, fn: (repos: Repositories) => Promise<T>): Promise<T> {
    // PostgreSQL gives each statement its own snapshot unless a transaction holds one.
    if (this.#dialect === 'postgres') {
      return this.#snapshot()
        .execute((trx) => fn(repositories(trx, scope)))
        .catch(unavailable)
    }
    return fn(repositories(this.#db, scope))
  }

  /**
   * On PostgreSQL transactions interleave, so a write runs SERIALIZABLE: a check-then-write rule
   * (free address, free port, quota, ClientToken) that a concurrent commit broke aborts with a
   * serialization failure, and `fn` runs again on the new data. `fn` must therefore touch nothing
   * but `repos`. Writes of one account queue (on this node, then across nodes), so such retries
   * come only from other accounts (the shared address pool). SQLite serializes transactions
   * already; it runs `fn` once.
   */
  async write<T>(scope: Scope, fn: (repos: Repositories) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    const postgres = this.#dialect === 'postgres'
    const affectsDataplane = options.affectsDataplane ?? true
    const once = (db: Kysely<Database>) => {
      const trx = postgres ? db.transaction().setIsolationLevel('serializable') : db.transaction()
      // A fresh record per attempt: a retried attempt may touch other load balancers.
      const touched = new Touched()
      return trx.execute(async (trx) => {
        const value = await fn(repositories(trx, scope, touched))
        const change = affectsDataplane ? changeOf(touched) : undefined
        if (postgres) await lockGeneration(trx, change !== undefined)
        const row = await trx
          .insertInto('change_log')
          .values({
            account_id: scope.accountId,
            region_id: scope.regionId ?? '',
            committed_at: Date.now(),
            load_balancers: encodeChange(change),
          })
          .returning('generation')
          .executeTakeFirstOrThrow()
        return { value, generation: num(row.generation), change }
      })
    }
    const { value, generation, change } = postgres
      ? await this.#turns
          .run(scope.accountId, () =>
            withAccountLock(this.#db, scope.accountId, (conn) => retryConflicts(() => once(conn))),
          )
          .catch(unavailable)
      : await once(this.#db)
    for (const listener of this.#onCommit) listener(generation, change)
    return value
  }

  /** Opens the change feed's notification channel (PostgreSQL; SQLite's feed is onCommit). */
  subscribe(onNotify: () => void, onLost: (err: Error) => void): Promise<Subscription> {
    if (this.#url === undefined) throw new Error('only a PostgreSQL store has a change feed to subscribe to')
    return subscribeToChanges(this.#url, onNotify, onLost)
  }

  async changesSince(cursor: number, limit: number): Promise<{ rows: ChangeRow[]; oldest: number | undefined }> {
    const rows = await this.#db
      .selectFrom('change_log')
      .where('generation', '>', cursor)
      .select(['generation', 'load_balancers'])
      .orderBy('generation')
      .limit(limit)
      .execute()
    const first = await this.#db
      .selectFrom('change_log')
      .select('generation')
      .orderBy('generation')
      .limit(1)
      .executeTakeFirst()
    return {
      rows: rows.map((r) => ({ generation: num(r.generation), change: decodeChange(r.load_balancers) })),
      oldest: first === undefined ? undefined : num(first.generation),
    }
  }

  /** Forgets all but the newest `keep` generations; a node further behind rereads everything. */
  async pruneChangeLog(keep: number): Promise<void> {
    const head = await this.generation()
    await this.#db.deleteFrom('change_log').where('generation', '<=', head - keep).execute()
  }

  /** A read-only transaction on one snapshot (PostgreSQL). */
  #snapshot() {
    return this.#db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only')
  }

  async generation(): Promise<number> {
    const row = await this.#db
      .selectFrom('change_log')
      .select((eb) => eb.fn.max('generation').as('g'))
      .executeTakeFirst()
    return row?.g === null || row?.g === undefined ? 0 : num(row.g)
  }

  readDataplane(only?: ReadonlySet<string>): Promise<DataplaneRows> {
    // One snapshot: the generation read is exactly the one the rows reflect.
    const trx = this.#dialect === 'postgres' ? this.#snapshot() : this.#db.transaction()
    return trx.execute((trx) => readDataplane(trx, only))
  }

  async findAccessKey(accessKeyId: string): Promise<AccessKey | undefined> {
    const now = Date.now()
    const cached = this.#keys.get(accessKeyId)
    if (cached !== undefined && cached.until > now) return cached.key
    const key = await this.#loadAccessKey(accessKeyId).catch(unavailable)
    if (key !== undefined) {
      if (this.#keys.size >= KEY_CACHE_SIZE) this.#keys.clear()
      this.#keys.set(accessKeyId, { key, until: now + KEY_CACHE_MS })
    }
    return key
  }

  async #loadAccessKey(accessKeyId: string): Promise<AccessKey | undefined> {
    const row = await this.#db
      .selectFrom('access_keys')
      .where('access_key_id', '=', accessKeyId)
      .select(['access_key_id', 'secret', 'account_id', 'status'])
      .executeTakeFirst()
    if (row === undefined) return undefined
    return {
      accessKeyId: row.access_key_id,
      secret: row.secret,
      accountId: row.account_id,
      status: row.status === 'Active' ? 'Active' : 'Inactive',
    }
  }

  async ensureAccessKey(key: AccessKey): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('access_keys')
        .where('access_key_id', '=', key.accessKeyId)
        .select('access_key_id')
        .executeTakeFirst()
      if (existing !== undefined) return false
      const now = Date.now()
      await trx
        .insertInto('accounts')
        .values({ id: key.accountId, created_at: now })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute()
      // Nodes sharing one PostgreSQL may bootstrap the same key at the same moment.
      const inserted = await trx
        .insertInto('access_keys')
        .values({
          access_key_id: key.accessKeyId,
          secret: key.secret,
          account_id: key.accountId,
          status: key.status,
          created_at: now,
        })
        .onConflict((oc) => oc.column('access_key_id').doNothing())
        .executeTakeFirst()
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1
    })
  }

  async countAccessKeys(): Promise<number> {
    const row = await this.#db
      .selectFrom('access_keys')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow()
    return num(row.n)
  }

  claimNonce(accessKeyId: string, nonce: string, expiresAt: number): Promise<boolean> {
    return this.#nonces.claim(accessKeyId, nonce, expiresAt).catch(unavailable)
  }

  purgeNonces(now: number): Promise<void> {
    return this.#nonces.purge(now)
  }

  async close(): Promise<void> {
    await this.#db.destroy()
  }
}
