/**
 * Server groups and their members. A load balancer's default server group is the group whose id
 * is the load balancer's own id; VServer groups have `rsp-` ids. Members are keyed by
 * (group, ServerId, ServerIp, Port): the default group uses Port 0 (contract §2.1 member identity).
 */
import type { Kysely, Migration } from 'kysely'

export const serverGroups = (): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('vserver_groups')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('region_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('load_balancer_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('vserver_groups_by_lb')
      .on('vserver_groups')
      .columns(['load_balancer_id', 'created_at'])
      .execute()

    await db.schema
      .createTable('backend_servers')
      .addColumn('group_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('server_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('server_ip', 'varchar(64)', (c) => c.notNull())
      .addColumn('port', 'integer', (c) => c.notNull())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('region_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('load_balancer_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('type', 'varchar(8)', (c) => c.notNull())
      .addColumn('weight', 'integer', (c) => c.notNull())
      .addColumn('description', 'varchar(256)', (c) => c.notNull())
      .addColumn('position', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('backend_servers_pk', ['group_id', 'server_id', 'server_ip', 'port'])
      .execute()
    await db.schema.createIndex('backend_servers_by_lb').on('backend_servers').column('load_balancer_id').execute()
    await db.schema
      .createIndex('backend_servers_by_server')
      .on('backend_servers')
      .columns(['account_id', 'server_id'])
      .execute()
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('backend_servers').execute()
    await db.schema.dropTable('vserver_groups').execute()
  },
})
