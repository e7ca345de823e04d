/**
 * The builtin driver on real loopback sockets: snapshot diffs (start, update in place, rebind,
 * stop), generation order, bind failures reported without throwing, health wiring, and close().
 */
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import net from 'node:net'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { BuiltinDriver, type BuiltinDriverOptions } from '../../../src/dataplane/builtin/builtin-driver.js'
import type { DataplaneSnapshot, HealthCheckSpec, ListenerSpec } from '../../../src/dataplane/snapshot.js'
import { startTcpBackend, startUdpBackend } from '../../helpers/backends.js'
import {
  freePort,
  listenerSpec,
  refused,
  target,
  tcpConnect,
  udpClient,
  withTimeout,
  eventually,
} from '../../helpers/dataplane.js'

const LB = '127.1.3.3'
const LB2 = '127.1.3.4'

function startDriver(t: TestContext, options: BuiltinDriverOptions = {}): BuiltinDriver {
  const driver = new BuiltinDriver(options)
  t.after(() => driver.close())
  return driver
}

function snapshot(generation: number, ...listeners: ListenerSpec[]): DataplaneSnapshot {
  return { generation, listeners }
}

async function whoAnswers(t: TestContext, host: string, port: number): Promise<string> {
  const client = await tcpConnect(t, host, port)
  const [name] = await client.lines(1)
  client.socket.destroy()
  return name!
}

test('apply starts, updates in place, rebinds and stops listeners by key', async (t) => {
  const [a, b] = await Promise.all([startTcpBackend(t, '127.0.0.2', 'a'), startTcpBackend(t, '127.0.0.3', 'b')])
  const ua = await startUdpBackend(t, '127.0.0.2', 'ua')
  const tcp = listenerSpec({
    protocol: 'tcp',
    address: LB,
    port: await freePort(LB),
    backends: [target('a', a.address, a.port)],
  })
  const udp = listenerSpec({
    protocol: 'udp',
    address: LB,
    port: await freePort(LB, 'udp'),
    backends: [target('ua', ua.address, ua.port)],
  })
  const driver = startDriver(t)

  assert.deepEqual(await driver.apply(snapshot(1, tcp, udp)), { generation: 1, failed: [] })
  assert.equal(await whoAnswers(t, tcp.address, tcp.port), 'a')
  const client = await udpClient(t)
  assert.equal(await client.request(udp.address, udp.port, 'hi'), 'ua:hi')
  assert.deepEqual(
    driver.health().map((h) => `${h.listenerKey} ${h.backendId} ${h.status}`).sort(),
    [`${tcp.key} a normal`, `${udp.key} ua normal`],
  )

  // Update in place: a live connection survives, the next one follows the new members.
  const live = await tcpConnect(t, tcp.address, tcp.port)
  assert.deepEqual(await live.lines(1), ['a'])
  const tcp2 = { ...tcp, backends: [target('a', a.address, a.port, 0), target('b', b.address, b.port)] }
  assert.deepEqual(await driver.apply(snapshot(2, tcp2, udp)), { generation: 2, failed: [] })
  assert.equal(await whoAnswers(t, tcp.address, tcp.port), 'b')
  live.socket.write('still\n')
  assert.deepEqual(await live.lines(2), ['a', 'still'])
  const tcpStats = () => driver.stats().filter((s) => s.listenerKey === tcp.key)
  await eventually(() => tcpStats().reduce((n, s) => n + s.activeConnections, 0) === 1, 'only the live one left')
  assert.deepEqual(
    tcpStats().map((s) => [s.backendId, s.connections, s.activeConnections]).sort(),
    [['a', 2, 1], ['b', 1, 0]],
  )

  // Rebind: the same key on another address moves the socket; the old address refuses.
  const moved = { ...tcp2, address: LB2 }
  assert.deepEqual(await driver.apply(snapshot(3, moved, udp)), { generation: 3, failed: [] })
  assert.equal(await refused(tcp.address, tcp.port), true)
  assert.equal(await whoAnswers(t, moved.address, moved.port), 'b')
  await withTimeout(live.closed, 'connection of the rebound listener closed')

  // Removed listeners stop: refused, and no longer reported.
  assert.deepEqual(await driver.apply(snapshot(4, udp)), { generation: 4, failed: [] })
  assert.equal(await refused(moved.address, moved.port), true)
  assert.deepEqual([...new Set(driver.stats().map((s) => s.listenerKey))], [udp.key])
  assert.equal(await client.request(udp.address, udp.port, 'again'), 'ua:again')
})

test('an older generation is ignored; applies run in call order', async (t) => {
  const a = await startTcpBackend(t, '127.0.0.2', 'a')
  const spec = listenerSpec({
    protocol: 'tcp',
    address: LB,
    port: await freePort(LB),
    backends: [target('a', a.address, a.port)],
  })
  const driver = startDriver(t)
  // Not awaited one by one: the second waits for the first, the third is older than both.
  const results = await Promise.all([
    driver.apply(snapshot(5, spec)),
    driver.apply(snapshot(7, spec)),
    driver.apply(snapshot(6)),
  ])
  assert.deepEqual(results, [
    { generation: 5, failed: [] },
    { generation: 7, failed: [] },
    { generation: 7, failed: [] },
  ])
  assert.equal(driver.generation, 7)
  assert.equal(await whoAnswers(t, spec.address, spec.port), 'a')
})

test('a port in use is reported in failed without throwing; the same generation again retries it', async (t) => {
  const a = await startTcpBackend(t, '127.0.0.2', 'a')
  const port = await freePort(LB)
  const squatter = net.createServer()
  await new Promise<void>((resolve) => squatter.listen(port, LB, () => resolve()))
  t.after(() => new Promise<void>((resolve) => squatter.close(() => resolve())))
  const blocked = listenerSpec({ protocol: 'tcp', address: LB, port, backends: [target('a', a.address, a.port)] })
  const fine = listenerSpec({
    protocol: 'tcp',
    address: LB,
    port: await freePort(LB),
    backends: [target('a', a.address, a.port)],
  })
  const driver = startDriver(t)

  const result = await driver.apply(snapshot(1, blocked, fine))
  assert.equal(result.generation, 1)
  assert.equal(result.failed.length, 1)
  assert.equal(result.failed[0]!.listenerKey, blocked.key)
  assert.match(result.failed[0]!.error, /EADDRINUSE/)
  assert.equal(await whoAnswers(t, fine.address, fine.port), 'a')
  assert.deepEqual([...new Set(driver.stats().map((s) => s.listenerKey))], [fine.key])

  await new Promise<void>((resolve) => squatter.close(() => resolve()))
  assert.deepEqual(await driver.apply(snapshot(1, blocked, fine)), { generation: 1, failed: [] })
  assert.equal(await whoAnswers(t, blocked.address, blocked.port), 'a')
})

test('health checks run per listener and steer new connections', async (t) => {
  const [a, b] = await Promise.all([startTcpBackend(t, '127.0.0.2', 'a'), startTcpBackend(t, '127.0.0.3', 'b')])
  const up = new Set(['a', 'b'])
  const check: HealthCheckSpec = {
    type: 'tcp',
    port: undefined,
    intervalMs: 20,
    timeoutMs: 1_000,
    healthyThreshold: 1,
    unhealthyThreshold: 1,
    uri: '',
    domain: '',
    method: 'head',
    httpCodes: [],
    request: '',
    expect: '',
  }
  const driver = startDriver(t, { health: { probes: { tcp: async (member) => up.has(member.id) } } })
  const spec = listenerSpec({
    protocol: 'tcp',
    address: LB,
    port: await freePort(LB),
    backends: [target('a', a.address, a.port), target('b', b.address, b.port)],
    healthCheck: check,
  })
  await driver.apply(snapshot(1, spec))
  await eventually(() => driver.health().every((h) => h.status === 'normal'), 'both normal')
  up.delete('a')
  await eventually(() => driver.health().find((h) => h.backendId === 'a')?.status === 'abnormal', 'a abnormal')
  for (let i = 0; i < 4; i++) assert.equal(await whoAnswers(t, spec.address, spec.port), 'b')
  up.add('a')
  await eventually(() => driver.health().find((h) => h.backendId === 'a')?.status === 'normal', 'a normal again')
  const names = [await whoAnswers(t, spec.address, spec.port), await whoAnswers(t, spec.address, spec.port)]
  assert.deepEqual(names.sort(), ['a', 'b'])
})

test('close() stops everything and releases the ports; later applies bind nothing', async (t) => {
  const a = await startTcpBackend(t, '127.0.0.2', 'a')
  const ua = await startUdpBackend(t, '127.0.0.2', 'ua')
  const tcp = listenerSpec({
    protocol: 'tcp',
    address: LB,
    port: await freePort(LB),
    backends: [target('a', a.address, a.port)],
  })
  const udp = listenerSpec({
    protocol: 'udp',
    address: LB,
    port: await freePort(LB, 'udp'),
    backends: [target('ua', ua.address, ua.port)],
  })
  const driver = startDriver(t)
  await driver.apply(snapshot(1, tcp, udp))
  const live = await tcpConnect(t, tcp.address, tcp.port)
  assert.deepEqual(await live.lines(1), ['a'])
  await withTimeout(driver.close(), 'close')
  await withTimeout(live.closed, 'established connection closed')
  assert.deepEqual(driver.stats(), [])

  const server = net.createServer()
  await withTimeout(new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(tcp.port, tcp.address, () => resolve())
  }), 'bind TCP again')
  await new Promise<void>((resolve) => server.close(() => resolve()))
  const socket = dgram.createSocket('udp4')
  await withTimeout(new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(udp.port, udp.address, () => resolve())
  }), 'bind UDP again')
  await new Promise<void>((resolve) => socket.close(() => resolve()))

  const after = await driver.apply(snapshot(2, tcp))
  assert.deepEqual(after.failed, [{ listenerKey: tcp.key, error: 'the data plane driver is closed' }])
  assert.equal(await refused(tcp.address, tcp.port), true)
})
