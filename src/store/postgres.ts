/**
 * PostgreSQL under Kysely: a pg Pool from a URL, and the advisory locks only this engine needs —
 * nodes starting together migrate one at a time, writes of one account queue across nodes, and
 * generations follow commit order.
 */
import pg from 'pg'
import { Kysely, PostgresDialect, sql } from 'kysely'
import type { Database } from './schema.js'

// int8 arrives as text by default; counts, epoch milliseconds, positions and generations all stay
// far below 2^53, so they are numbers here as they are on SQLite.
const INT8_OID = 20
const parseInt8 = (text: string): number => Number(text)

// Arbitrary fixed keys in the database's advisory lock space; Kysely's own migrator uses another.
const MIGRATION_LOCK = 4_711_021_501
const GENERATION_LOCK = 4_711_021_502
// Account locks use the two-key form (this class, hash of the account id), a space of their own.
const ACCOUNT_LOCK_CLASS = 47_110_215

// TCP keep-alive probes from 10 s of silence on: a database host that vanished without a reset is
// noticed in about a minute, not after the operating system's two hours.
const CONNECTION_LIVENESS = { keepAlive: true, keepAliveInitialDelayMillis: 10_000 } as const

export interface PostgresOptions {
  /** An idle pooled connection failed (the server restarted, say); the pool replaces it. */
  readonly onPoolError?: (err: Error) => void
}

export const isPostgresUrl = (text: string): boolean => /^postgres(ql)?:\/\//i.test(text)

/** The URL without its password, for logs and the start-up banner. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return 'postgres://(unparsable URL)'
  }
}

export function openPostgres(url: string, options: PostgresOptions = {}): Kysely<Database> {
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format),
  } as pg.CustomTypesConfig
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: 5_000,
    ...CONNECTION_LIVENESS,
    // A statement that runs this long is stuck (a lock held by a partitioned node, say): the call
    // fails with ServiceUnavailable instead of waiting for ever, and so does one left open in a
    // transaction, which would otherwise hold the generation lock for every node.
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 30_000,
    types,
  })
  // Without a listener, an idle connection's error would end the process.
  pool.on('error', (err) => options.onPoolError?.(err))
  // The pool listens only while a connection is idle; one in use whose socket dies (the database
  // went away mid-query) would end the process too. Its query fails, and that is reported instead.
  pool.on('connect', (client) => client.on('error', () => undefined))
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

/**
 * Runs `run` while holding the migration lock on a connection of its own, so that of several nodes
 * starting at once one migrates and the others find the schema current.
 */
export function withMigrationLock<T>(db: Kysely<any>, run: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn)
    try {
      return await run()
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn)
    }
  })
}

/**
 * Runs `run` on one connection while it holds the account's write lock, so writes of one account
 * queue across nodes instead of aborting each other. The lock is a session lock taken before the
 * transaction begins: a transaction that waited inside would read a snapshot from before the
 * previous holder committed, and fail serialization anyway.
 */
export function withAccountLock<T>(
  db: Kysely<Database>,
  accountId: string,
  run: (conn: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${ACCOUNT_LOCK_CLASS}, hashtext(${accountId}))`.execute(conn)
    try {
      return await run(conn)
    } finally {
      await sql`select pg_advisory_unlock(${ACCOUNT_LOCK_CLASS}, hashtext(${accountId}))`.execute(conn)
    }
  })
}

/** The channel every node LISTENs on; the payload is the schema, which channels do not separate. */
export const CHANGE_CHANNEL = 'openslb_changes'

/**
 * Taken right before the change_log insert and held until commit: a sequence hands out numbers in
 * insert order, not commit order, and the data plane must never see generation g committed while a
 * smaller one is still to come (it would skip that change). With `notify`, the other nodes hear of
 * the commit when it happens (PostgreSQL delivers a transaction's notifications at its commit).
 */
export async function lockGeneration(trx: Kysely<Database>, notify: boolean): Promise<void> {
  await (notify
    ? sql`select pg_advisory_xact_lock(${GENERATION_LOCK}), pg_notify(${CHANGE_CHANNEL}, current_schema())`
    : sql`select pg_advisory_xact_lock(${GENERATION_LOCK})`
  ).execute(trx)
}

export interface Subscription {
  close(): Promise<void>
}

/** Names the feed's connection in pg_stat_activity, one name per process. */
export const feedApplicationName = (pid = process.pid): string => `openslb-change-feed:${pid}`

/**
 * LISTENs for commits to this schema on a connection of its own (a pooled one would be handed to
 * queries). Either it rejects, or it resolves and later calls `onLost` at most once, when that
 * connection fails — never both, so a caller that subscribes again runs one attempt at a time.
 */
export async function subscribeToChanges(
  url: string,
  onNotify: () => void,
  onLost: (err: Error) => void,
): Promise<Subscription> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 5_000,
    ...CONNECTION_LIVENESS,
    application_name: feedApplicationName(),
  })
  let listening = false
  let closed = false
  const lose = (err: Error): void => {
    if (!listening || closed) return
    closed = true
    onLost(err)
    client.end().catch(() => {})
  }
  client.on('error', lose)
  client.on('end', () => lose(new Error('the change feed connection ended')))
  try {
    await client.connect()
    const { rows } = await client.query<{ schema: string }>('select current_schema() as schema')
    const schema = rows[0]?.schema
    client.on('notification', (msg) => {
      if (msg.channel === CHANGE_CHANNEL && msg.payload === schema) onNotify()
    })
    await client.query(`listen ${CHANGE_CHANNEL}`)
    listening = true
  } catch (err) {
    closed = true
    await client.end().catch(() => {})
    throw err
  }
  return {
    async close() {
      closed = true
      await client.end().catch(() => {})
    },
  }
}
