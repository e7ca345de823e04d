/**
 * Check-then-write rules under concurrent calls: addresses, ClientToken, private IPs, listener ports,
 * the backend quota. On PostgreSQL the calls go to two API nodes sharing one schema, so transactions
 * really interleave; SQLite has one node, and the same calls race only inside it.
 */
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { DEFAULTS, type Config } from '../../src/config.js'
import { callError, ECS, popCore, type Body, type RpcCaller } from '../helpers/clients.js'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js'
import { testDialect } from '../helpers/store.js'

const REGION = 'cn-hangzhou'

/** The API nodes: two on PostgreSQL (one data dir, hence one schema), else one. */
async function servers(t: TestContext, config: Partial<Config> = {}): Promise<TestServer[]> {
  const dataDir = tempDir(t)
  const key = { accessKeyId: 'LTAIconcurrency', accessKeySecret: 'concurrency-secret' }
  const first = await startTestServer(t, { dataDir, config, ...key })
  if (testDialect === 'sqlite') return [first]
  return [first, await startTestServer(t, { dataDir, config, ...key })]
}

/** Callers round-robin over the nodes, all in one account. */
const nodes = async (t: TestContext, config: Partial<Config> = {}): Promise<RpcCaller[]> =>
  (await servers(t, config)).map((s) => popCore(s, 'POST'))

const at = (callers: readonly RpcCaller[], i: number): RpcCaller => callers[i % callers.length]!

/** Runs `count` calls at once, the i-th on node i mod n; answers in call order. */
const race = (callers: readonly RpcCaller[], count: number, call: (c: RpcCaller, i: number) => Promise<Body>) =>
  Promise.allSettled(Array.from({ length: count }, (_, i) => call(at(callers, i), i)))

const fulfilled = (results: ReadonlyArray<PromiseSettledResult<Body>>): Body[] =>
  results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))

const refusals = (results: ReadonlyArray<PromiseSettledResult<Body>>): string[] =>
  results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as { code?: string }).code)] : []))

test('concurrent CreateLoadBalancer: distinct addresses; one ClientToken, one instance', async (t) => {
  const callers = await nodes(t)
  const created = await race(callers, 12, (c) => c.call('CreateLoadBalancer', { RegionId: REGION }))
  assert.deepEqual(refusals(created), [])
  const addresses = fulfilled(created).map((b) => b['Address'] as string)
  assert.equal(new Set(addresses).size, 12)

  const replays = await race(callers, 6, (c) =>
    c.call('CreateLoadBalancer', { RegionId: REGION, ClientToken: 'one-token' }),
  )
  assert.deepEqual(refusals(replays), [])
  assert.equal(new Set(fulfilled(replays).map((b) => b['LoadBalancerId'])).size, 1)

  const all = await at(callers, 1).call('DescribeLoadBalancers', { RegionId: REGION, PageSize: 50 })
  assert.equal(all['TotalCount'], 13)
  const listed: Body[] = all['LoadBalancers']['LoadBalancer']
  assert.equal(new Set(listed.map((lb) => lb['Address'])).size, 13)
})

test('concurrent CreateLoadBalancer in several accounts: one address pool, no address twice', async (t) => {
  const [first, ...others] = await servers(t)
  // Writes of one account queue; those of different accounts race for the shared pool.
  const callers: RpcCaller[] = []
  for (const n of [1, 2, 3, 4]) {
    const key = { accessKeyId: `LTAIpool${n}`, accessKeySecret: `pool-secret-${n}` }
    const { accessKeyId, accessKeySecret: secret } = key
    await first!.server.store.ensureAccessKey({ accessKeyId, secret, accountId: `acct-pool-${n}`, status: 'Active' })
    for (const s of [first!, ...others]) callers.push(popCore({ ...s, ...key }, 'POST'))
  }
  const created = await race(callers, 16, (c) => c.call('CreateLoadBalancer', { RegionId: REGION }))
  assert.deepEqual(refusals(created), [])
  assert.equal(new Set(fulfilled(created).map((b) => b['Address'])).size, 16)
})

test('concurrent RunInstances asking for one private IP: one wins, the rest are Duplicated', async (t) => {
  const callers = await nodes(t)
  const results = await race(callers, 8, (c, i) =>
    c.call('RunInstances', { RegionId: REGION, PrivateIpAddress: '127.2.0.50', InstanceName: `web-${i}` }, ECS),
  )
  assert.equal(fulfilled(results).length, 1)
  assert.deepEqual(refusals(results), Array(7).fill('InvalidPrivateIpAddress.Duplicated'))
  const found = await at(callers, 1).call(
    'DescribeInstances',
    { RegionId: REGION, PrivateIpAddresses: JSON.stringify(['127.2.0.50']) },
    ECS,
  )
  assert.equal(found['TotalCount'], 1)
  // Addresses picked by the server never collide either.
  const picked = await race(callers, 8, (c) => c.call('RunInstances', { RegionId: REGION }, ECS))
  assert.deepEqual(refusals(picked), [])
  const listed = await at(callers, 0).call('DescribeInstances', { RegionId: REGION, PageSize: 100 }, ECS)
  const ips = (listed['Instances']['Instance'] as Body[]).map(
    (i) => i['VpcAttributes']['PrivateIpAddress']['IpAddress'][0],
  )
  assert.equal(ips.length, 9)
  assert.equal(new Set(ips).size, 9)
})

test('concurrent TCP and HTTP listeners on one port: one is created, the others already exist', async (t) => {
  const callers = await nodes(t)
  const lb = (await at(callers, 0).call('CreateLoadBalancer', { RegionId: REGION }))['LoadBalancerId']
  const protocols = ['TCP', 'HTTP', 'TCP', 'HTTP', 'TCP', 'HTTP']
  const results = await race(callers, protocols.length, (c, i) =>
    c.call(`CreateLoadBalancer${protocols[i]}Listener`, {
      RegionId: REGION,
      LoadBalancerId: lb,
      ListenerPort: 80,
      BackendServerPort: 8080,
    }),
  )
  assert.equal(fulfilled(results).length, 1)
  assert.deepEqual(refusals(results), Array(5).fill('ListenerAlreadyExists'))
  const listed = await at(callers, 1).call('DescribeLoadBalancerListeners', {
    RegionId: REGION,
    'LoadBalancerId.1': lb,
  })
  assert.equal((listed['Listeners'] as Body[]).length, 1)
})

test('concurrent AddBackendServers at the quota: exactly the quota is let in', async (t) => {
  const quotas = { ...DEFAULTS.quotas, backendServersPerLoadBalancer: 4 }
  const callers = await nodes(t, { quotas })
  const c = at(callers, 0)
  const lb = (await c.call('CreateLoadBalancer', { RegionId: REGION }))['LoadBalancerId']
  const run = await c.call('RunInstances', { RegionId: REGION, Amount: 8, PrivateIpAddress: '127.2.0.10' }, ECS)
  const ids: string[] = run['InstanceIdSets']['InstanceIdSet']
  const results = await race(callers, ids.length, (c, i) =>
    c.call('AddBackendServers', {
      RegionId: REGION,
      LoadBalancerId: lb,
      BackendServers: JSON.stringify([{ ServerId: ids[i] }]),
    }),
  )
  assert.equal(fulfilled(results).length, 4)
  assert.deepEqual(refusals(results), Array(4).fill('InstanceBackendServerNumberOverLimit'))
  const attribute = await at(callers, 1).call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lb })
  assert.equal((attribute['BackendServers']['BackendServer'] as Body[]).length, 4)
})

test('concurrent single-server attachments to one VServer group all land (Terraform, contract §7.2)', async (t) => {
  const callers = await nodes(t)
  const c = at(callers, 0)
  const lb = (await c.call('CreateLoadBalancer', { RegionId: REGION }))['LoadBalancerId']
  const run = await c.call('RunInstances', { RegionId: REGION, Amount: 12, PrivateIpAddress: '127.2.0.100' }, ECS)
  const ids: string[] = run['InstanceIdSets']['InstanceIdSet']
  const group = (await c.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb }))['VServerGroupId']
  const results = await race(callers, ids.length, (c, i) =>
    c.call('AddVServerGroupBackendServers', {
      RegionId: REGION,
      VServerGroupId: group,
      BackendServers: JSON.stringify([{ ServerId: ids[i], Port: 80 }]),
    }),
  )
  assert.deepEqual(refusals(results), [])
  const read = await at(callers, 1).call('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: group })
  assert.deepEqual(
    (read['BackendServers']['BackendServer'] as Body[]).map((m) => m['ServerId']).sort(),
    [...ids].sort(),
  )
  // A refused call still answers with the contract's code, from either node.
  const again = await callError(() =>
    at(callers, 1).call('AddVServerGroupBackendServers', {
      RegionId: REGION,
      VServerGroupId: group,
      BackendServers: JSON.stringify([{ ServerId: ids[0], Port: 80, Weight: 5 }]),
    }),
  )
  assert.equal(again.code, 'InvalidBackendServers.ServerIpConflict')
})
