/**
 * Several nodes on one PostgreSQL used as one load balancer (issue 7): two API nodes in this
 * process and a data-plane node as a real `openslb serve --role dataplane` child, so it can be
 * killed. Reads through one node see writes through another; the data plane follows changes made
 * elsewhere, after a lost feed connection and after a kill and restart. PostgreSQL only.
 */
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import pg from 'pg'
import { feedApplicationName } from '../../src/store/postgres.js'
import { startTcpBackend } from '../helpers/backends.js'
import { ECS, popCore, signedQuery, type RpcCaller } from '../helpers/clients.js'
import { freePort as freeLbPort, tcpConnect } from '../helpers/dataplane.js'
import { freePort, ROOT, serve, stop } from '../helpers/serve-process.js'
import { startTestServer, tempDir } from '../helpers/server.js'
import { testDialect } from '../helpers/store.js'

const REGION = 'cn-hangzhou'
const KEY = { accessKeyId: 'LTAIclustertest', accessKeySecret: 'cluster-secret' }
// A data-plane node follows another node's commit within a poll interval even without a notification.
const FOLLOW_MS = 10_000

const skip = testDialect !== 'postgres' ? 'several nodes share one database only on PostgreSQL' : false

interface DataplaneNode {
  readonly endpoint: string
  child: ChildProcess
  start(): Promise<void>
}

/** `openslb serve --role dataplane` on the test's schema (its URL carries the search_path). */
async function dataplaneNode(t: TestContext, store: string): Promise<DataplaneNode> {
  assert.ok(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'dist/ is missing: run npm run build')
  const port = await freePort()
  const node: DataplaneNode = {
    endpoint: `http://127.0.0.1:${port}`,
    child: undefined as unknown as ChildProcess,
    async start() {
      const args = ['--role', 'dataplane', '--store', store, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn']
      // No polling: only notifications (and the catch-up after a reconnect) can make it follow.
      const env = { OPENSLB_FEED_POLL_MS: '600000' }
      node.child = (await serve(args, { ready: /OpenSLB listening on/, env })).child
    },
  }
  await node.start()
  t.after(() => stop(node.child, 'SIGKILL'))
  return node
}

async function health(endpoint: string): Promise<{ appliedGeneration: number; feed: { connected: boolean } }> {
  const res = await fetch(`${endpoint}/_openslb/health`)
  return (await res.json()) as { appliedGeneration: number; feed: { connected: boolean } }
}

/** Which backend greets a new connection through the load balancer. */
async function greeter(t: TestContext, address: string, port: number): Promise<string | undefined> {
  try {
    const client = await tcpConnect(t, address, port)
    const [name] = await client.lines(1)
    client.socket.destroy()
    return name
  } catch {
    return undefined
  }
}

/** Polls until `n` new connections in a row are all greeted by `name`. */
async function until(t: TestContext, address: string, port: number, name: string, what: string): Promise<void> {
  const deadline = Date.now() + FOLLOW_MS
  for (;;) {
    let all = true
    for (let i = 0; i < 4 && all; i++) all = (await greeter(t, address, port)) === name
    if (all) return
    if (Date.now() > deadline) assert.fail(`the data-plane node did not follow within ${FOLLOW_MS} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function runInstances(api: RpcCaller, ips: readonly string[]): Promise<string[]> {
  const ids: string[] = []
  for (const ip of ips) {
    const res = await api.call('RunInstances', { RegionId: REGION, PrivateIpAddress: ip }, ECS)
    ids.push(res['InstanceIdSets']['InstanceIdSet'][0] as string)
  }
  return ids
}

test('two API nodes and a data-plane node on one PostgreSQL act as one load balancer', { skip }, async (t) => {
  const shared = tempDir(t)
  const a = await startTestServer(t, { dataDir: shared, ...KEY, config: { role: 'api' } })
  const b = await startTestServer(t, { dataDir: shared, ...KEY, config: { role: 'api' } })
  const apiA = popCore(a, 'POST')
  const apiB = popCore(b, 'GET')

  // Written through A, read back through B.
  const lb = await apiA.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'cluster' })
  const lbId = lb['LoadBalancerId'] as string
  const address = lb['Address'] as string
  const read = await apiB.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lbId })
  assert.equal(read['LoadBalancerName'], 'cluster')
  assert.equal(read['Address'], address)

  // A nonce used on A is refused on B (contract §3.1): the same signed request, replayed.
  const query = signedQuery(a, { Action: 'DescribeRegions' })
  assert.equal((await fetch(`${a.endpoint}/${query}`)).status, 200)
  const replay = await fetch(`${b.endpoint}/${query}`)
  assert.equal(((await replay.json()) as { Code: string }).Code, 'SignatureNonceUsed')

  // A TCP listener configured through A and B; only C forwards.
  const backends = [await startTcpBackend(t, '127.2.77.2', 'one'), await startTcpBackend(t, '127.2.77.3', 'two')]
  const ids = await runInstances(apiA, backends.map((s) => s.address))
  const group = await apiB.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lbId, VServerGroupName: 'g' })
  const groupId = group['VServerGroupId'] as string
  const weights = (w: readonly number[]) =>
    JSON.stringify(ids.map((id, i) => ({ ServerId: id, Port: backends[i]!.port, Weight: w[i] })))
  await apiA.call('AddVServerGroupBackendServers', { RegionId: REGION, VServerGroupId: groupId, BackendServers: weights([100, 0]) })
  const port = await freeLbPort(address)
  await apiB.call('CreateLoadBalancerTCPListener', {
    RegionId: REGION,
    LoadBalancerId: lbId,
    ListenerPort: port,
    Bandwidth: -1,
    VServerGroupId: groupId,
    HealthCheckSwitch: 'off',
  })
  await apiA.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: port })

  const store = a.server.store
  const c = await dataplaneNode(t, a.store!)
  await until(t, address, port, 'one', 'the started listener with weights 100/0')

  // A weight change on A moves C's traffic.
  await apiA.call('SetVServerGroupAttribute', { RegionId: REGION, VServerGroupId: groupId, BackendServers: weights([0, 100]) })
  await until(t, address, port, 'two', 'weights 100/0 → 0/100 set through node A')

  // C's feed connection is cut: it reconnects and catches up with what it missed meanwhile.
  const admin = new pg.Client({ connectionString: a.store! })
  await admin.connect()
  t.after(() => admin.end())
  const cut = await admin.query(
    'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and datname = current_database()',
    [feedApplicationName(c.child.pid)],
  )
  assert.equal(cut.rowCount, 1, 'the data-plane node listens on a connection of its own')
  await apiB.call('SetVServerGroupAttribute', { RegionId: REGION, VServerGroupId: groupId, BackendServers: weights([100, 0]) })
  await until(t, address, port, 'one', 'a change made while the feed connection was down')
  const deadline = Date.now() + FOLLOW_MS
  while (!(await health(c.endpoint)).feed.connected) {
    if (Date.now() > deadline) assert.fail('the change feed did not reconnect')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  // C is killed; a change made while it is down is in force once it is back.
  await stop(c.child, 'SIGKILL')
  assert.equal(await greeter(t, address, port), undefined, 'nothing forwards while the only data-plane node is down')
  await apiA.call('SetVServerGroupAttribute', { RegionId: REGION, VServerGroupId: groupId, BackendServers: weights([0, 100]) })
  await c.start()
  await until(t, address, port, 'two', 'a change made while the data-plane node was down')
  assert.equal((await health(c.endpoint)).appliedGeneration, await store.generation())

  // A data-plane node answers no API call, in the contract's error shape.
  const refused = await fetch(`${c.endpoint}/?Action=DescribeRegions&Format=JSON`)
  assert.equal(refused.status, 403)
  assert.equal(((await refused.json()) as { Code: string }).Code, 'Forbidden.DataplaneNode')
})

test('2 × 200 concurrent AddVServerGroupBackendServers through two nodes end with 200 distinct members', { skip }, async (t) => {
  const shared = tempDir(t)
  const a = await startTestServer(t, { dataDir: shared, ...KEY, config: { role: 'api' } })
  const b = await startTestServer(t, { dataDir: shared, ...KEY, config: { role: 'api' } })
  const apiA = popCore(a, 'POST')
  const apiB = popCore(b, 'POST')
  const ids: string[] = []
  for (let i = 0; i < 2; i++) {
    const res = await apiA.call('RunInstances', { RegionId: REGION, Amount: 100 }, ECS)
    ids.push(...(res['InstanceIdSets']['InstanceIdSet'] as string[]))
  }
  const lb = await apiA.call('CreateLoadBalancer', { RegionId: REGION })
  const group = await apiB.call('CreateVServerGroup', {
    RegionId: REGION,
    LoadBalancerId: lb['LoadBalancerId'],
    VServerGroupName: 'race',
  })
  const groupId = group['VServerGroupId'] as string

  // Both nodes add every instance, in opposite orders, 8 calls in flight each: every member is
  // added once and re-added once (an identical re-add succeeds, contract §2.1 / docs/compatibility.md).
  const add = (api: RpcCaller, id: string) =>
    api.call('AddVServerGroupBackendServers', {
      RegionId: REGION,
      VServerGroupId: groupId,
      BackendServers: JSON.stringify([{ ServerId: id, Port: 80, Weight: 100 }]),
    })
  const drive = async (api: RpcCaller, order: readonly string[]): Promise<void> => {
    let next = 0
    const worker = async () => {
      while (next < order.length) await add(api, order[next++]!)
    }
    await Promise.all(Array.from({ length: 8 }, worker))
  }
  await Promise.all([drive(apiA, ids), drive(apiB, [...ids].reverse())])

  const members = await apiB.call('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: groupId })
  const servers = members['BackendServers']['BackendServer'] as Array<{ ServerId: string; Port: number }>
  assert.equal(servers.length, 200)
  assert.deepEqual(new Set(servers.map((s) => s.ServerId)), new Set(ids))
})
