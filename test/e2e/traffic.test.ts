/**
 * The product end to end, through real SDK calls alone: ECS instances as backends, a load
 * balancer, VServer groups and TCP/UDP listeners; real connections split by weight, moved by one
 * call, drained without cutting, refused when stopped, and back after a restart.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  startHttpBackend,
  startTcpBackend,
  startUdpBackend,
  type TcpBackend,
  type UdpBackend,
} from '../helpers/backends.js'
import { ECS, popCore, type RpcCaller } from '../helpers/clients.js'
import { freePort, refused, tcpConnect, udpClient } from '../helpers/dataplane.js'
import { startTestServer, tempDir } from '../helpers/server.js'

const REGION = 'cn-hangzhou'

interface Stat {
  listenerKey: string
  serverId: string
  connections: number
  activeConnections: number
}

async function stats(endpoint: string): Promise<Stat[]> {
  const res = await fetch(`${endpoint}/_openslb/stats`)
  return ((await res.json()) as { backends: Stat[] }).backends
}

async function runInstance(api: RpcCaller, ip: string): Promise<string> {
  const res = await api.call('RunInstances', { RegionId: REGION, PrivateIpAddress: ip }, ECS)
  return res['InstanceIdSets']['InstanceIdSet'][0] as string
}

/** Opens `n` TCP connections one after another and counts which backend greeted each. */
async function tcpSplit(t: Parameters<typeof tcpConnect>[0], host: string, port: number, n: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const client = await tcpConnect(t, host, port)
    const [name] = await client.lines(1)
    counts.set(name!, (counts.get(name!) ?? 0) + 1)
    client.socket.destroy()
  }
  return counts
}

async function udpSplit(t: Parameters<typeof udpClient>[0], host: string, port: number, n: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const client = await udpClient(t)
    const reply = await client.request(host, port, `ping-${i}`)
    const name = reply.split(':')[0]!
    counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  return counts
}

test('TCP and UDP listeners split real traffic by weight, follow one call, drain, stop and survive a restart', async (t) => {
  const dataDir = tempDir(t)
  const key = { accessKeyId: 'LTAIe2etraffic', accessKeySecret: 'e2e-secret' }
  const first = await startTestServer(t, { dataDir, ...key })
  const api = popCore(first, 'POST')

  // Three backends, each reachable at its instance's private IP.
  const ips = ['127.2.9.2', '127.2.9.3', '127.2.9.4']
  const names = ['a', 'b', 'c']
  const tcp: TcpBackend[] = []
  const udp: UdpBackend[] = []
  for (const [i, ip] of ips.entries()) {
    tcp.push(await startTcpBackend(t, ip, names[i]!))
    udp.push(await startUdpBackend(t, ip, names[i]!))
  }
  const ids: string[] = []
  for (const ip of ips) ids.push(await runInstance(api, ip))

  const lb = await api.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'e2e' })
  const address = lb['Address'] as string
  const lbId = lb['LoadBalancerId'] as string

  // TCP: one VServer group per backend port (each backend listens on its own port).
  const tcpGroup = await api.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lbId, VServerGroupName: 'tcp' })
  const tcpGroupId = tcpGroup['VServerGroupId'] as string
  await api.call('AddVServerGroupBackendServers', {
    RegionId: REGION,
    VServerGroupId: tcpGroupId,
    BackendServers: JSON.stringify(ids.map((id, i) => ({ ServerId: id, Port: tcp[i]!.port, Weight: [100, 50, 0][i] }))),
  })
  const tcpPort = await freePort(address, 'tcp')
  await api.call('CreateLoadBalancerTCPListener', {
    RegionId: REGION,
    LoadBalancerId: lbId,
    ListenerPort: tcpPort,
    Bandwidth: -1,
    VServerGroupId: tcpGroupId,
    Scheduler: 'wrr',
    HealthCheckSwitch: 'off',
  })
  assert.equal(await refused(address, tcpPort), true, 'a new listener is stopped')
  await api.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: tcpPort })

  // Exactly by weight over whole wrr cycles: 150 connections → 100 / 50 / 0.
  assert.deepEqual(Object.fromEntries(await tcpSplit(t, address, tcpPort, 150)), { a: 100, b: 50 })
  const counted = (await stats(first.endpoint)).filter((s) => s.listenerKey === `${lbId}/tcp/${tcpPort}`)
  assert.deepEqual(
    Object.fromEntries(counted.map((s) => [s.serverId, s.connections])),
    { [ids[0]!]: 100, [ids[1]!]: 50, [ids[2]!]: 0 },
  )

  // A live connection to `a` survives its weight going to 0; the very next connections follow the call.
  const live = await tcpConnect(t, address, tcpPort)
  const [greeting] = await live.lines(1)
  assert.equal(greeting, 'a', 'a new wrr cycle starts with the heaviest backend')
  await api.call('SetVServerGroupAttribute', {
    RegionId: REGION,
    VServerGroupId: tcpGroupId,
    BackendServers: JSON.stringify(ids.map((id, i) => ({ ServerId: id, Port: tcp[i]!.port, Weight: [0, 100, 100][i] }))),
  })
  assert.deepEqual(Object.fromEntries(await tcpSplit(t, address, tcpPort, 20)), { b: 10, c: 10 })
  live.socket.write('still here\n')
  assert.deepEqual(await live.lines(2), ['a', 'still here'], 'a drained backend keeps its live connection')
  live.socket.destroy()

  // UDP on the default server group: every backend on the same port, the listener's BackendServerPort.
  const udpPort = udp[0]!.port
  const udpBackends: UdpBackend[] = [udp[0]!]
  for (const [i, ip] of ips.entries()) {
    if (i === 0) continue
    await udp[i]!.close()
    udpBackends.push(await startUdpBackend(t, ip, names[i]!, udpPort))
  }
  await api.call('AddBackendServers', {
    LoadBalancerId: lbId,
    BackendServers: JSON.stringify(ids.map((id, i) => ({ ServerId: id, Weight: [1, 1, 2][i] }))),
  })
  const udpListenerPort = await freePort(address, 'udp')
  await api.call('CreateLoadBalancerUDPListener', {
    RegionId: REGION,
    LoadBalancerId: lbId,
    ListenerPort: udpListenerPort,
    BackendServerPort: udpPort,
    Bandwidth: -1,
    HealthCheckSwitch: 'off',
  })
  await api.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: udpListenerPort, ListenerProtocol: 'udp' })
  assert.deepEqual(Object.fromEntries(await udpSplit(t, address, udpListenerPort, 40)), { a: 10, b: 10, c: 20 })

  // Restart: both listeners come back with the same members and weights.
  await first.server.close()
  assert.equal(await refused(address, tcpPort), true)
  const second = await startTestServer(t, { dataDir, ...key })
  assert.deepEqual(Object.fromEntries(await tcpSplit(t, address, tcpPort, 20)), { b: 10, c: 10 })
  assert.deepEqual(Object.fromEntries(await udpSplit(t, address, udpListenerPort, 40)), { a: 10, b: 10, c: 20 })

  // Stop refuses new connections; removal of the last member leaves nothing to pick.
  const again = popCore(second, 'GET')
  await again.call('StopLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: tcpPort })
  assert.equal(await refused(address, tcpPort), true)
  const health = await again.call('DescribeHealthStatus', { LoadBalancerId: lbId, ListenerPort: tcpPort })
  assert.ok(health['BackendServers']['BackendServer'].every((b: any) => b.ServerHealthStatus === 'unavailable'))
})

test('a killed backend turns abnormal in DescribeHealthStatus, gets no traffic, and comes back', async (t) => {
  const s = await startTestServer(t)
  const api = popCore(s, 'GET')
  const ips = ['127.2.9.12', '127.2.9.13']
  const backends = [await startTcpBackend(t, ips[0]!, 'a'), await startTcpBackend(t, ips[1]!, 'b')]
  const ids: string[] = []
  for (const ip of ips) ids.push(await runInstance(api, ip))
  const lb = await api.call('CreateLoadBalancer', { RegionId: REGION })
  const lbId = lb['LoadBalancerId'] as string
  const address = lb['Address'] as string
  const group = await api.call('CreateVServerGroup', {
    RegionId: REGION,
    LoadBalancerId: lbId,
    BackendServers: JSON.stringify(ids.map((id, i) => ({ ServerId: id, Port: backends[i]!.port, Weight: 100 }))),
  })
  const port = await freePort(address, 'tcp')
  await api.call('CreateLoadBalancerTCPListener', {
    RegionId: REGION,
    LoadBalancerId: lbId,
    ListenerPort: port,
    VServerGroupId: group['VServerGroupId'],
    HealthCheckSwitch: 'on',
    HealthCheckInterval: 1,
    HealthyThreshold: 2,
    UnhealthyThreshold: 2,
    HealthCheckConnectTimeout: 1,
  })
  await api.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: port })

  const statusOf = async (): Promise<Record<string, string>> => {
    const res = await api.call('DescribeHealthStatus', { LoadBalancerId: lbId, ListenerPort: port })
    return Object.fromEntries(res['BackendServers']['BackendServer'].map((b: any) => [b.ServerId, b.ServerHealthStatus]))
  }
  const waitFor = async (want: Record<string, string>): Promise<void> => {
    const deadline = Date.now() + 15_000
    for (;;) {
      const now = await statusOf()
      if (JSON.stringify(now) === JSON.stringify(want)) return
      if (Date.now() > deadline) assert.deepEqual(now, want)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  await waitFor({ [ids[0]!]: 'normal', [ids[1]!]: 'normal' })

  // Kill b: after UnhealthyThreshold failed probes it is abnormal and every new connection goes to a.
  const bPort = backends[1]!.port
  await backends[1]!.close()
  await waitFor({ [ids[0]!]: 'normal', [ids[1]!]: 'abnormal' })
  assert.deepEqual(Object.fromEntries(await tcpSplit(t, address, port, 10)), { a: 10 })

  // b comes back on the same port: normal again after HealthyThreshold probes, and it gets traffic.
  await startTcpBackend(t, ips[1]!, 'b', bPort)
  await waitFor({ [ids[0]!]: 'normal', [ids[1]!]: 'normal' })
  assert.deepEqual(Object.fromEntries(await tcpSplit(t, address, port, 10)), { a: 5, b: 5 })
})

test('an HTTP listener balances requests by weight with X-Forwarded-For, and one call moves them', async (t) => {
  const s = await startTestServer(t)
  const api = popCore(s, 'POST')
  const ips = ['127.2.9.22', '127.2.9.23']
  const backends = [await startHttpBackend(t, ips[0]!, 'a'), await startHttpBackend(t, ips[1]!, 'b')]
  const ids: string[] = []
  for (const ip of ips) ids.push(await runInstance(api, ip))
  const lb = await api.call('CreateLoadBalancer', { RegionId: REGION })
  const lbId = lb['LoadBalancerId'] as string
  const address = lb['Address'] as string
  const groupMembers = (weights: readonly number[]): string =>
    JSON.stringify(ids.map((id, i) => ({ ServerId: id, Port: backends[i]!.port, Weight: weights[i] })))
  const group = await api.call('CreateVServerGroup', {
    RegionId: REGION,
    LoadBalancerId: lbId,
    BackendServers: groupMembers([100, 50]),
  })
  const port = await freePort(address, 'tcp')
  await api.call('CreateLoadBalancerHTTPListener', {
    RegionId: REGION,
    LoadBalancerId: lbId,
    ListenerPort: port,
    VServerGroupId: group['VServerGroupId'],
    HealthCheck: 'off',
    XForwardedFor: 'on',
    XForwardedFor_proto: 'on',
  })
  await api.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: port })

  const split = async (n: number): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {}
    for (let i = 0; i < n; i++) {
      const res = await fetch(`http://${address}:${port}/hello`)
      const body = (await res.json()) as { backend: string; headers: Record<string, string> }
      assert.equal(res.status, 200)
      assert.equal(body.headers['x-forwarded-for'], '127.0.0.1')
      assert.equal(body.headers['x-forwarded-proto'], 'http')
      counts[body.backend] = (counts[body.backend] ?? 0) + 1
    }
    return counts
  }
  assert.deepEqual(await split(30), { a: 20, b: 10 })
  await api.call('SetVServerGroupAttribute', {
    RegionId: REGION,
    VServerGroupId: group['VServerGroupId'],
    BackendServers: groupMembers([0, 100]),
  })
  assert.deepEqual(await split(10), { b: 10 })
})
