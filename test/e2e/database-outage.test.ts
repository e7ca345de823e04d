/**
 * PostgreSQL goes away and comes back (issue 7, docs/operations.md): API calls answer the
 * contract's ServiceUnavailable (never a 500 or a hang), the health probe says so, the data plane
 * keeps forwarding with its last applied state, and everything works again once it is back.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startTcpBackend } from '../helpers/backends.js'
import { callError, ECS, popCore } from '../helpers/clients.js'
import { startCuttableProxy } from '../helpers/cuttable-proxy.js'
import { freePort, tcpConnect } from '../helpers/dataplane.js'
import { startTestServer, tempDir } from '../helpers/server.js'
import { leaseTestStore, testDialect } from '../helpers/store.js'

const REGION = 'cn-hangzhou'
const skip = testDialect !== 'postgres' ? 'an unreachable database is a PostgreSQL matter' : false

test('an unreachable PostgreSQL: ServiceUnavailable, forwarding goes on, all back once it returns', { skip }, async (t) => {
  // The server reaches PostgreSQL through a relay the test can cut.
  const dataDir = tempDir(t)
  const lease = await leaseTestStore(t, dataDir)
  t.after(() => lease.release())
  const direct = new URL(lease.store!)
  const proxy = await startCuttableProxy(t, direct.hostname, Number(direct.port))
  const relayed = new URL(direct)
  relayed.port = String(proxy.port)
  const node = await startTestServer(t, { dataDir, config: { store: relayed.toString() } })
  const api = popCore(node, 'POST')

  const backend = await startTcpBackend(t, '127.2.88.2', 'kept')
  const run = await api.call('RunInstances', { RegionId: REGION, PrivateIpAddress: backend.address }, ECS)
  const lb = await api.call('CreateLoadBalancer', { RegionId: REGION })
  const port = await freePort(lb['Address'] as string)
  await api.call('AddBackendServers', {
    LoadBalancerId: lb['LoadBalancerId'],
    BackendServers: JSON.stringify([{ ServerId: run['InstanceIdSets']['InstanceIdSet'][0], Weight: 100 }]),
  })
  await api.call('CreateLoadBalancerTCPListener', {
    RegionId: REGION,
    LoadBalancerId: lb['LoadBalancerId'],
    ListenerPort: port,
    BackendServerPort: backend.port,
    Bandwidth: -1,
    HealthCheckSwitch: 'off',
  })
  await api.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb['LoadBalancerId'], ListenerPort: port })

  await proxy.cut()
  for (const [action, params] of [
    ['DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lb['LoadBalancerId'] }],
    ['SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb['LoadBalancerId'], LoadBalancerName: 'lost' }],
  ] as const) {
    const err = await callError(() => api.call(action, params))
    assert.equal(err.code, 'ServiceUnavailable', `${action} while the database is away`)
    assert.match(err.message, /The request has failed due to a temporary failure of the server\./)
  }
  const probe = await fetch(`${node.endpoint}/_openslb/health`)
  assert.equal(probe.status, 503)
  assert.equal(((await probe.json()) as { status: string }).status, 'store unreachable')
  const client = await tcpConnect(t, lb['Address'] as string, port)
  assert.deepEqual(await client.lines(1), ['kept'], 'the data plane forwards with its last applied state')
  client.socket.destroy()

  await proxy.restore()
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      await api.call('SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb['LoadBalancerId'], LoadBalancerName: 'back' })
      break
    } catch (err) {
      if ((err as { code?: string }).code !== 'ServiceUnavailable' || Date.now() > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  const read = await api.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lb['LoadBalancerId'] })
  assert.equal(read['LoadBalancerName'], 'back', 'nothing of the failed rename was written; the new one was')
  assert.equal((await fetch(`${node.endpoint}/_openslb/health`)).status, 200)
})
