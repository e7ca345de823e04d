/** Accounts, keys, nonces, the change log, load balancers, tags and the ECS inventory. */
import type { Kysely, Migration } from 'kysely'
import type { SqlDialect } from '../dialect.js'

export const initial = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('access_keys')
      .addColumn('access_key_id', 'varchar(128)', (c) => c.primaryKey())
      .addColumn('secret', 'varchar(256)', (c) => c.notNull())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull().references('accounts.id'))
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('nonces')
      .addColumn('access_key_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('nonce', 'varchar(256)', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('nonces_pk', ['access_key_id', 'nonce'])
      .execute()
    await db.schema.createIndex('nonces_expiry').on('nonces').column('expires_at').execute()

    await db.schema
      .createTable('change_log')
      .addColumn('generation', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
        dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('region_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('committed_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('load_balancers')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('region_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('address', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('address_num', 'bigint', (c) => c.notNull())
      .addColumn('address_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('address_ip_version', 'varchar(8)', (c) => c.notNull())
      .addColumn('network_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('vpc_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('vswitch_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('spec', 'varchar(32)', (c) => c.notNull())
      .addColumn('internet_charge_type', 'varchar(32)', (c) => c.notNull())
      .addColumn('bandwidth', 'integer', (c) => c.notNull())
      .addColumn('pay_type', 'varchar(32)', (c) => c.notNull())
      .addColumn('instance_charge_type', 'varchar(32)', (c) => c.notNull())
      .addColumn('master_zone_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('slave_zone_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('delete_protection', 'varchar(8)', (c) => c.notNull())
      .addColumn('modification_protection_status', 'varchar(32)', (c) => c.notNull())
      .addColumn('modification_protection_reason', 'varchar(256)', (c) => c.notNull())
      .addColumn('resource_group_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('client_token', 'varchar(128)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('load_balancers_scope')
      .on('load_balancers')
      .columns(['account_id', 'region_id', 'created_at'])
      .execute()
    await db.schema
      .createIndex('load_balancers_token')
      .on('load_balancers')
      .columns(['account_id', 'client_token'])
      .execute()

    await db.schema
      .createTable('tags')
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('region_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('resource_type', 'varchar(32)', (c) => c.notNull())
      .addColumn('resource_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('tag_key', 'varchar(128)', (c) => c.notNull())
      .addColumn('tag_value', 'varchar(256)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('tags_pk', ['account_id', 'resource_type', 'resource_id', 'tag_key'])
      .execute()
    await db.schema
      .createIndex('tags_by_key')
      .on('tags')
      .columns(['account_id', 'region_id', 'resource_type', 'tag_key', 'tag_value'])
      .execute()

    await db.schema
      .createTable('instances')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('region_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('zone_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('description', 'varchar(256)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('private_ip', 'varchar(64)', (c) => c.notNull())
      .addColumn('instance_type', 'varchar(64)', (c) => c.notNull())
      .addColumn('image_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('vpc_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('vswitch_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('host_name', 'varchar(128)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('instances_scope')
      .on('instances')
      .columns(['account_id', 'region_id', 'created_at'])
      .execute()

    await db.schema
      .createTable('network_interfaces')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('region_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('zone_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('description', 'varchar(256)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('primary_ip', 'varchar(64)', (c) => c.notNull())
      .addColumn('vpc_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('vswitch_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('instance_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('network_interfaces_scope')
      .on('network_interfaces')
      .columns(['account_id', 'region_id', 'created_at'])
      .execute()

    await db.schema
      .createTable('private_ips')
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('region_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('ip', 'varchar(64)', (c) => c.notNull())
      .addColumn('owner_id', 'varchar(64)', (c) => c.notNull())
      .addPrimaryKeyConstraint('private_ips_pk', ['account_id', 'region_id', 'ip'])
      .execute()
  },

  async down(db: Kysely<any>): Promise<void> {
    for (const table of [
      'private_ips',
      'network_interfaces',
      'instances',
      'tags',
      'load_balancers',
      'change_log',
      'nonces',
      'access_keys',
      'accounts',
    ]) {
      await db.schema.dropTable(table).execute()
    }
  },
})
