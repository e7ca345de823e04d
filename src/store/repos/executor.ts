/** What a repository runs its SQL on: the database itself, or an open transaction. */
import type { Kysely } from 'kysely'
import type { Scope } from '../../domain/scope.js'
import type { Database } from '../schema.js'

export type Executor = Kysely<Database>

/** Numbers from bigint columns arrive as strings on PostgreSQL. */
export const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v))

/**
 * Whether a row fetched by primary key alone is in the scope. Lookups by id leave the scope out of
 * the WHERE clause: with it there, SQLite prefers the scope index and walks the account's rows.
 */
export const rowInScope = (scope: Scope, r: { readonly account_id: string; readonly region_id: string }): boolean =>
  r.account_id === scope.accountId && (scope.regionId === undefined || r.region_id === scope.regionId)
