/** Opens the embedded SQLite database (better-sqlite3, WAL) under Kysely. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database } from './schema.js'

/** `dataDir` undefined opens a private in-memory database (tests). */
export function openSqlite(dataDir: string | undefined): Kysely<Database> {
  let file = ':memory:'
  if (dataDir !== undefined) {
    mkdirSync(dataDir, { recursive: true })
    file = join(dataDir, 'openslb.db')
  }
  const sqlite = new BetterSqlite3(file)
  sqlite.pragma('journal_mode = WAL')
  // WAL with synchronous=NORMAL survives a process crash with every committed transaction;
  // only an OS crash or power loss can lose the last commits (docs/operations.md).
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
}
