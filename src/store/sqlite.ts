/** Opens the embedded SQLite database (better-sqlite3, WAL) under Kysely. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely'
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
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) })
}

const STATEMENT_CACHE_SIZE = 512

/**
 * Kysely prepares every statement again on each execution; preparing costs more than running the
 * small statements this server issues (docs/benchmarks.md), so prepared statements are kept per
 * SQL text. Queries are built from fixed shapes, so the set of texts stays small; the bound is a
 * guard, not a working-set size.
 */
function cachingStatements(db: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql)
      if (statement === undefined) {
        statement = db.prepare(sql) as unknown as SqliteStatement
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string)
        cache.set(sql, statement)
      }
      return statement
    },
  }
}
