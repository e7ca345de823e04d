/** Opens the store the configuration names: PostgreSQL at a URL, else SQLite in the data directory. */
import { KyselyStore } from './kysely-store.js'
import { isPostgresUrl, openPostgres, type PostgresOptions } from './postgres.js'
import { openSqlite } from './sqlite.js'

export interface StoreLocation {
  /** A postgres:// URL; undefined means SQLite. */
  readonly store: string | undefined
  /** SQLite's directory; undefined keeps SQLite in memory (tests). */
  readonly dataDir: string | undefined
}

export async function openStore(location: StoreLocation, options: PostgresOptions = {}): Promise<KyselyStore> {
  const url = location.store
  if (url === undefined) return KyselyStore.open(openSqlite(location.dataDir), 'sqlite')
  if (!isPostgresUrl(url)) throw new Error('the store must be a postgres:// URL')
  return KyselyStore.open(openPostgres(url, options), 'postgres', url)
}
