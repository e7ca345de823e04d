/** Runs the versioned migrations in order; each applied one is recorded by Kysely's migrator. */
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely'
import type { SqlDialect } from './dialect.js'
import { initial } from './migrations/0001-initial.js'
import { serverGroups } from './migrations/0002-server-groups.js'
import { listeners } from './migrations/0003-listeners.js'
import { memberIndex } from './migrations/0004-member-index.js'
import { changeFeed } from './migrations/0005-change-feed.js'
import { withMigrationLock } from './postgres.js'

const migrations = (dialect: SqlDialect): Record<string, Migration> => ({
  '0001-initial': initial(dialect),
  '0002-server-groups': serverGroups(),
  '0003-listeners': listeners(),
  '0004-member-index': memberIndex(),
  '0005-change-feed': changeFeed(),
})

export async function migrateToLatest(db: Kysely<any>, dialect: SqlDialect): Promise<MigrationResultSet> {
  const migrate = async (migrationTableSchema?: string) => {
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations(dialect) },
      ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
    })
    return migrator.migrateToLatest()
  }
  if (dialect === 'sqlite') return migrate()
  // Kysely locks the migrations themselves, but creates its bookkeeping tables before that lock;
  // nodes sharing one PostgreSQL that start together must not race there either.
  return withMigrationLock(db, async () => migrate(await currentSchema(db)))
}

/**
 * The schema the tables go to (the first of search_path). Kysely looks for its bookkeeping tables
 * in every schema unless told which, and would take another installation's for its own.
 */
async function currentSchema(db: Kysely<any>): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)
  return rows[0]?.schema ?? undefined
}
