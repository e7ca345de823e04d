/**
 * Listeners. The columns every protocol shares are columns; the protocol-specific attributes
 * (health check, stickiness, headers, timeouts: dozens, contract §2.3) are one JSON document.
 */
import type { Kysely, Migration } from 'kysely'

export const listeners = (): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('listeners')
      .addColumn('load_balancer_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('protocol', 'varchar(8)', (c) => c.notNull())
      .addColumn('port', 'integer', (c) => c.notNull())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('region_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('backend_server_port', 'integer', (c) => c.notNull())
      .addColumn('vserver_group_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('scheduler', 'varchar(8)', (c) => c.notNull())
      .addColumn('bandwidth', 'integer', (c) => c.notNull())
      .addColumn('description', 'varchar(512)', (c) => c.notNull())
      .addColumn('attributes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('listeners_pk', ['load_balancer_id', 'protocol', 'port'])
      .execute()
    await db.schema.createIndex('listeners_by_group').on('listeners').column('vserver_group_id').execute()
    await db.schema.createIndex('listeners_by_status').on('listeners').column('status').execute()
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('listeners').execute()
  },
})
