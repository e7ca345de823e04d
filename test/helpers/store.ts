/**
 * The engine the suite runs on: OPENSLB_TEST_STORE unset or `sqlite` → SQLite in memory (or in the
 * test's data dir); a postgres:// URL → PostgreSQL, with a fresh schema per test server, dropped after.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { SqlDialect } from '../../src/store/dialect.js'
import type { KyselyStore } from '../../src/store/kysely-store.js'
import { openStore } from '../../src/store/open.js'
import { isPostgresUrl } from '../../src/store/postgres.js'

type Hook = { after(fn: () => unknown): void }

const configured = process.env['OPENSLB_TEST_STORE'] ?? ''
const postgresUrl = isPostgresUrl(configured) ? configured : undefined
if (configured !== '' && configured !== 'sqlite' && postgresUrl === undefined) {
  throw new Error(`OPENSLB_TEST_STORE must be sqlite or a postgres:// URL, not ${configured}`)
}

export const testDialect: SqlDialect = postgresUrl === undefined ? 'sqlite' : 'postgres'

async function admin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end()
  }
}

/** A PostgreSQL schema and the servers using it; dropped once its test ended and they closed. */
interface Schema {
  readonly name: string
  readonly url: string
  users: number
  ended: boolean
}

// Servers restarted on the same data dir (durability tests) find the same schema again.
const byDataDir = new Map<string, Schema>()

async function createSchema(base: string, t: Hook): Promise<Schema> {
  const name = `openslb_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await admin(base, (c) => c.query(`create schema ${name}`))
  const url = new URL(base)
  url.searchParams.set('options', `-c search_path=${name}`)
  const schema: Schema = { name, url: url.toString(), users: 0, ended: false }
  t.after(() => {
    schema.ended = true
    return dropIfDone(base, schema)
  })
  return schema
}

async function dropIfDone(base: string, schema: Schema): Promise<void> {
  if (!schema.ended || schema.users > 0) return
  for (const [dir, s] of byDataDir) if (s === schema) byDataDir.delete(dir)
  await admin(base, (c) => c.query(`drop schema if exists ${schema.name} cascade`))
}

export interface TestStoreLease {
  /** The `store` setting for the server: undefined on SQLite. */
  readonly store: string | undefined
  /** Call once the server using it has closed. */
  release(): Promise<void>
}

/** Where one test server keeps its state; the same `dataDir` leads to the same PostgreSQL schema. */
export async function leaseTestStore(t: Hook, dataDir?: string): Promise<TestStoreLease> {
  const base = postgresUrl
  if (base === undefined) return { store: undefined, release: async () => {} }
  let schema = dataDir === undefined ? undefined : byDataDir.get(dataDir)
  if (schema === undefined) {
    schema = await createSchema(base, t)
    if (dataDir !== undefined) byDataDir.set(dataDir, schema)
  }
  const held = schema
  held.users += 1
  let released = false
  return {
    store: held.url,
    release: async () => {
      if (released) return
      released = true
      held.users -= 1
      await dropIfDone(base, held)
    },
  }
}

/** A migrated store of the configured engine, closed (and its schema dropped) when the test ends. */
export async function openTestStore(t: Hook): Promise<KyselyStore> {
  const lease = await leaseTestStore(t)
  const store = await openStore({ store: lease.store, dataDir: undefined }).catch(async (err: unknown) => {
    await lease.release()
    throw err
  })
  t.after(async () => {
    await store.close()
    await lease.release()
  })
  return store
}
