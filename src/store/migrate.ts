/** Runs the versioned migrations in order; each applied one is recorded by Kysely's migrator. */
import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely'
import type { SqlDialect } from './dialect.js'
import { initial } from './migrations/0001-initial.js'
import { serverGroups } from './migrations/0002-server-groups.js'
import { listeners } from './migrations/0003-listeners.js'

const migrations = (dialect: SqlDialect): Record<string, Migration> => ({
  '0001-initial': initial(dialect),
  '0002-server-groups': serverGroups(),
  '0003-listeners': listeners(),
})

export async function migrateToLatest(db: Kysely<any>, dialect: SqlDialect): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dialect) },
  })
  return migrator.migrateToLatest()
}
