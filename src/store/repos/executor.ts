/** What a repository runs its SQL on: the database itself, or an open transaction. */
import type { Kysely } from 'kysely'
import type { Database } from '../schema.js'

export type Executor = Kysely<Database>

/** Numbers from bigint columns arrive as strings on PostgreSQL. */
export const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v))
