/**
 * The builtin TCP listener on real loopback sockets: weighted split, byte-exact forwarding with
 * backpressure and half-close, failures, updates, drain, idle timeout, persistence and stop.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { noHealthChecks } from '../../../src/dataplane/builtin/listener.js'
import { TcpListener } from '../../../src/dataplane/builtin/tcp-listener.js'
import type { ListenerSpec } from '../../../src/dataplane/snapshot.js'
import { startTcpBackend, type TcpBackend } from '../../helpers/backends.js'
import {
  eventually,
  freePort,
  listenerSpec,
  refused,
  target,
  tcpConnect,
  withTimeout,
} from '../../helpers/dataplane.js'

const LB = '127.1.3.1'

async function startListener(t: TestContext, spec: ListenerSpec): Promise<TcpListener> {
  const listener = new TcpListener(spec, { startHealth: noHealthChecks })
  await withTimeout(listener.start(), 'listener start')
  t.after(() => listener.stop())
  return listener
}

async function tcpSpec(backends: ListenerSpec['backends'], extra: Partial<ListenerSpec> = {}): Promise<ListenerSpec> {
  return listenerSpec({ protocol: 'tcp', address: LB, port: await freePort(LB), backends, ...extra })
}

/** Opens a connection through the listener and returns the name of the backend that answered. */
async function whoAnswers(t: TestContext, spec: ListenerSpec): Promise<string> {
  const client = await tcpConnect(t, spec.address, spec.port)
  client.socket.write('hello\n')
  const [name] = await client.lines(1)
  client.socket.destroy()
  return name!
}

/**
 * Connects and resolves with the error code that closed the connection (undefined: a clean close).
 * The reset may even beat the client's own connect callback, so this watches the raw socket.
 */
function closedWith(t: TestContext, spec: ListenerSpec): Promise<string | undefined> {
  const socket = net.connect({ host: spec.address, port: spec.port })
  t.after(() => socket.destroy())
  let error: NodeJS.ErrnoException | undefined
  socket.on('error', (err) => (error = err))
  socket.on('data', () => assert.fail('no byte may arrive'))
  return withTimeout(new Promise((resolve) => socket.on('close', () => resolve(error?.code))), 'client close')
}

async function threeBackends(t: TestContext): Promise<[TcpBackend, TcpBackend, TcpBackend]> {
  return Promise.all([
    startTcpBackend(t, '127.0.0.2', 'a'),
    startTcpBackend(t, '127.0.0.3', 'b'),
    startTcpBackend(t, '127.0.0.4', 'c'),
  ])
}

function statsOf(listener: TcpListener, id: string) {
  const row = listener.pool.stats().find((s) => s.backendId === id)
  assert.ok(row, `stats of ${id}`)
  return row
}

test('wrr 100/50/0: 300 connections split exactly 200/100/0', async (t) => {
  const [a, b, c] = await threeBackends(t)
  const spec = await tcpSpec([
    target('a', a.address, a.port, 100),
    target('b', b.address, b.port, 50),
    target('c', c.address, c.port, 0),
  ])
  const listener = await startListener(t, spec)
  const counts: Record<string, number> = { a: 0, b: 0, c: 0 }
  for (let i = 0; i < 300; i++) counts[await whoAnswers(t, spec)]! += 1
  assert.deepEqual(counts, { a: 200, b: 100, c: 0 })
  assert.deepEqual([a.accepted, b.accepted, c.accepted], [200, 100, 0])
  await eventually(() => listener.pool.stats().every((s) => s.activeConnections === 0), 'all sessions ended')
  assert.equal(statsOf(listener, 'a').connections, 200)
  assert.equal(statsOf(listener, 'b').connections, 100)
  assert.equal(statsOf(listener, 'c').connections, 0)
})

test('parallel connections are split exactly too', async (t) => {
  const [a, b] = await threeBackends(t)
  const spec = await tcpSpec([target('a', a.address, a.port, 100), target('b', b.address, b.port, 50)])
  await startListener(t, spec)
  const names = await Promise.all(Array.from({ length: 150 }, () => whoAnswers(t, spec)))
  assert.equal(names.filter((n) => n === 'a').length, 100)
  assert.equal(names.filter((n) => n === 'b').length, 50)
})

test('a 5 MB payload round-trips unchanged and the bytes are counted', async (t) => {
  const a = await startTcpBackend(t, '127.0.0.2', 'a')
  const spec = await tcpSpec([target('a', a.address, a.port)])
  const listener = await startListener(t, spec)
  const payload = randomBytes(5 * 1024 * 1024)
  const client = await tcpConnect(t, spec.address, spec.port)
  client.socket.end(payload)
  await withTimeout(client.ended, 'backend end')
  const expected = Buffer.concat([Buffer.from('a\n'), payload, Buffer.from('bye\n')])
  assert.ok(client.received().equals(expected), 'echo differs from what was sent')
  await withTimeout(client.closed, 'client close')
  await eventually(() => statsOf(listener, 'a').activeConnections === 0, 'session ended')
  const stats = statsOf(listener, 'a')
  assert.equal(stats.bytesIn, payload.length)
  assert.equal(stats.bytesOut, expected.length)
  assert.equal(stats.connections, 1)
})

test('half-close: the client stops writing, the backend still sends the rest, then both close', async (t) => {
  const a = await startTcpBackend(t, '127.0.0.2', 'a')
  const spec = await tcpSpec([target('a', a.address, a.port)])
  await startListener(t, spec)
  const client = await tcpConnect(t, spec.address, spec.port)
  client.socket.write('one\n')
  assert.deepEqual(await client.lines(2), ['a', 'one'])
  client.socket.end('two\n')
  await withTimeout(client.ended, 'backend end')
  assert.equal(client.received().toString(), 'a\none\ntwo\nbye\n')
  const { error } = await withTimeout(client.closed, 'client close')
  assert.equal(error, undefined)
})

test('a refusing backend: the client connection is closed and a failure counted', async (t) => {
  const deadPort = await freePort('127.0.0.5')
  const spec = await tcpSpec([target('dead', '127.0.0.5', deadPort)])
  const listener = await startListener(t, spec)
  assert.equal(await closedWith(t, spec), 'ECONNRESET')
  await eventually(() => statsOf(listener, 'dead').failures === 1, 'failure counted')
  assert.equal(statsOf(listener, 'dead').connections, 0)
})

test('no eligible backend: the connection is reset', async (t) => {
  const a = await startTcpBackend(t, '127.0.0.2', 'a')
  const spec = await tcpSpec([target('a', a.address, a.port, 0)])
  await startListener(t, spec)
  assert.equal(await closedWith(t, spec), 'ECONNRESET')
  assert.equal(a.accepted, 0)
})

test('an update changes the next connections: new weights, then a backend out', async (t) => {
  const [a, b, c] = await threeBackends(t)
  const spec = await tcpSpec([target('a', a.address, a.port, 100), target('b', b.address, b.port, 100)])
  const listener = await startListener(t, spec)
  assert.equal(await whoAnswers(t, spec), 'a')

  listener.update({
    ...spec,
    backends: [
      target('a', a.address, a.port, 10),
      target('b', b.address, b.port, 30),
      target('c', c.address, c.port, 0),
    ],
  })
  const counts: Record<string, number> = { a: 0, b: 0, c: 0 }
  for (let i = 0; i < 40; i++) counts[await whoAnswers(t, spec)]! += 1
  assert.deepEqual(counts, { a: 10, b: 30, c: 0 })

  listener.update({ ...spec, backends: [target('c', c.address, c.port, 1)] })
  for (let i = 0; i < 5; i++) assert.equal(await whoAnswers(t, spec), 'c')
})

test('a live connection survives weight 0 and removal, and keeps forwarding', async (t) => {
  const [a, b] = await threeBackends(t)
  const spec = await tcpSpec([target('a', a.address, a.port)])
  const listener = await startListener(t, spec)
  const live = await tcpConnect(t, spec.address, spec.port)
  live.socket.write('1\n')
  assert.deepEqual(await live.lines(2), ['a', '1'])

  listener.update({ ...spec, backends: [target('a', a.address, a.port, 0), target('b', b.address, b.port)] })
  assert.equal(await whoAnswers(t, spec), 'b')
  live.socket.write('2\n')
  assert.deepEqual(await live.lines(3), ['a', '1', '2'])
  assert.equal(statsOf(listener, 'a').activeConnections, 1)

  listener.update({ ...spec, backends: [target('b', b.address, b.port)] })
  assert.equal(await whoAnswers(t, spec), 'b')
  live.socket.write('3\n')
  assert.deepEqual(await live.lines(4), ['a', '1', '2', '3'])
  // The removed member stays visible in the stats while its connection lives.
  assert.equal(statsOf(listener, 'a').activeConnections, 1)

  live.socket.end()
  await withTimeout(live.closed, 'live close')
  await eventually(() => !listener.pool.stats().some((s) => s.backendId === 'a'), 'drained member forgotten')
})

test('with a drain timeout, a removed member’s connection is closed after it', async (t) => {
  const [a, b] = await threeBackends(t)
  const spec = await tcpSpec([target('a', a.address, a.port)], { drainTimeoutMs: 100 })
  const listener = await startListener(t, spec)
  const live = await tcpConnect(t, spec.address, spec.port)
  assert.deepEqual(await live.lines(1), ['a'])
  listener.update({ ...spec, backends: [target('b', b.address, b.port)] })
  live.socket.write('still here\n')
  await withTimeout(live.closed, 'drained connection closed')
  assert.equal(await whoAnswers(t, spec), 'b')
})

test('the idle timeout closes a quiet connection', async (t) => {
  const a = await startTcpBackend(t, '127.0.0.2', 'a')
  const spec = await tcpSpec([target('a', a.address, a.port)], { idleTimeoutMs: 100 })
  const listener = await startListener(t, spec)
  const client = await tcpConnect(t, spec.address, spec.port)
  assert.deepEqual(await client.lines(1), ['a'])
  await withTimeout(client.closed, 'idle connection closed')
  await eventually(() => statsOf(listener, 'a').activeConnections === 0, 'session ended')
})

test('persistence: one client IP keeps its backend while it stays eligible', async (t) => {
  const [a, b] = await threeBackends(t)
  const spec = await tcpSpec([target('a', a.address, a.port), target('b', b.address, b.port)], {
    persistenceTimeoutMs: 60_000,
  })
  const listener = await startListener(t, spec)
  const first = await whoAnswers(t, spec)
  for (let i = 0; i < 6; i++) assert.equal(await whoAnswers(t, spec), first)

  // The bound backend drained: the client moves on, and stays with its new backend.
  const other = first === 'a' ? 'b' : 'a'
  listener.update({
    ...spec,
    backends: [a, b].map((m) => target(m.name, m.address, m.port, m.name === first ? 0 : 100)),
  })
  for (let i = 0; i < 3; i++) assert.equal(await whoAnswers(t, spec), other)
})

test('stop refuses new connections and closes established ones', async (t) => {
  const a = await startTcpBackend(t, '127.0.0.2', 'a')
  const spec = await tcpSpec([target('a', a.address, a.port)])
  const listener = await startListener(t, spec)
  const live = await tcpConnect(t, spec.address, spec.port)
  assert.deepEqual(await live.lines(1), ['a'])
  await withTimeout(listener.stop(), 'stop')
  await withTimeout(live.closed, 'established connection closed')
  assert.equal(await refused(spec.address, spec.port), true)
})
