/**
 * Re-keys the members' by-server index on server_id first. Keyed on (account_id, server_id), the
 * planner chose it for lookups by group or load balancer and scanned the whole account's members
 * (docs/benchmarks.md, backend servers).
 */
import type { Kysely, Migration } from 'kysely'

export const memberIndex = (): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('backend_servers_by_server').execute()
    await db.schema
      .createIndex('backend_servers_by_server')
      .on('backend_servers')
      .columns(['server_id', 'account_id'])
      .execute()
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('backend_servers_by_server').execute()
    await db.schema
      .createIndex('backend_servers_by_server')
      .on('backend_servers')
      .columns(['account_id', 'server_id'])
      .execute()
  },
})
