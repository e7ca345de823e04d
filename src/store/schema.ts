/** Kysely's view of the tables: one row type per table, snake_case columns. */
import type { ColumnType, Generated } from 'kysely'

// Epoch milliseconds; PostgreSQL returns bigint columns as strings.
type Millis = ColumnType<number | string, number, number>

export interface AccountsTable {
  id: string
  created_at: Millis
}

export interface AccessKeysTable {
  access_key_id: string
  secret: string
  account_id: string
  status: string
  created_at: Millis
}

export interface NoncesTable {
  access_key_id: string
  nonce: string
  expires_at: Millis
}

export interface ChangeLogTable {
  generation: Generated<number>
  account_id: string
  region_id: string
  committed_at: Millis
  /** Load balancer ids joined by ',', '*' for all, NULL when the data plane is unaffected. */
  load_balancers: string | null
}

export interface LoadBalancersTable {
  id: string
  account_id: string
  region_id: string
  name: string
  address: string
  address_num: number
  address_type: string
  address_ip_version: string
  network_type: string
  vpc_id: string
  vswitch_id: string
  status: string
  spec: string
  internet_charge_type: string
  bandwidth: number
  pay_type: string
  instance_charge_type: string
  master_zone_id: string
  slave_zone_id: string
  delete_protection: string
  modification_protection_status: string
  modification_protection_reason: string
  resource_group_id: string
  client_token: string
  created_at: Millis
}

export interface TagsTable {
  account_id: string
  region_id: string
  resource_type: string
  resource_id: string
  tag_key: string
  tag_value: string
  created_at: Millis
}

export interface InstancesTable {
  id: string
  account_id: string
  region_id: string
  zone_id: string
  name: string
  description: string
  status: string
  private_ip: string
  instance_type: string
  image_id: string
  vpc_id: string
  vswitch_id: string
  host_name: string
  created_at: Millis
}

export interface NetworkInterfacesTable {
  id: string
  account_id: string
  region_id: string
  zone_id: string
  name: string
  description: string
  status: string
  primary_ip: string
  vpc_id: string
  vswitch_id: string
  instance_id: string
  created_at: Millis
}

/** One row per private IP in use, whoever holds it: makes "unique per account and region" a key. */
export interface PrivateIpsTable {
  account_id: string
  region_id: string
  ip: string
  owner_id: string
}

export interface VServerGroupsTable {
  id: string
  account_id: string
  region_id: string
  load_balancer_id: string
  name: string
  created_at: Millis
}

/** Members of every server group; the default group's id is its load balancer's id. */
export interface BackendServersTable {
  group_id: string
  server_id: string
  /** '' for ECS members: their identity is (ServerId, Port); ENIs add their IP (contract §2.1). */
  server_ip: string
  /** 0 in the default group, which has no per-member port. */
  port: number
  account_id: string
  region_id: string
  load_balancer_id: string
  type: string
  weight: number
  description: string
  /** Insertion order, so groups list their members in the order they were added. */
  position: Millis
}

export interface ListenersTable {
  load_balancer_id: string
  protocol: string
  port: number
  account_id: string
  region_id: string
  status: string
  /** 0 when the listener forwards to a VServer group. */
  backend_server_port: number
  /** '' when the listener forwards to the default server group. */
  vserver_group_id: string
  scheduler: string
  bandwidth: number
  description: string
  /** JSON of ListenerAttributes. */
  attributes: string
  created_at: Millis
}

export interface Database {
  accounts: AccountsTable
  access_keys: AccessKeysTable
  nonces: NoncesTable
  change_log: ChangeLogTable
  load_balancers: LoadBalancersTable
  tags: TagsTable
  instances: InstancesTable
  network_interfaces: NetworkInterfacesTable
  private_ips: PrivateIpsTable
  vserver_groups: VServerGroupsTable
  backend_servers: BackendServersTable
  listeners: ListenersTable
}
