/** The SQL engines the store runs on; the few places that differ switch on this. */
export type SqlDialect = 'sqlite' | 'postgres'
