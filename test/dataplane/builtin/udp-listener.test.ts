/**
 * The builtin UDP listener on real loopback sockets: per-flow weighted split, replies to the right
 * client, flow stickiness, idle expiry, drain by weight 0, stop, and the QUIC connection ID parser.
 */
import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { noHealthChecks } from '../../../src/dataplane/builtin/listener.js'
import { quicConnectionId, UdpListener } from '../../../src/dataplane/builtin/udp-listener.js'
import type { ListenerSpec } from '../../../src/dataplane/snapshot.js'
import { startUdpBackend, type UdpBackend } from '../../helpers/backends.js'
import { eventually, freePort, listenerSpec, target, udpClient, withTimeout } from '../../helpers/dataplane.js'

const LB = '127.1.3.2'

async function startListener(t: TestContext, spec: ListenerSpec): Promise<UdpListener> {
  const listener = new UdpListener(spec, { startHealth: noHealthChecks })
  await withTimeout(listener.start(), 'listener start')
  t.after(() => listener.stop())
  return listener
}

async function udpSpec(backends: ListenerSpec['backends'], extra: Partial<ListenerSpec> = {}): Promise<ListenerSpec> {
  return listenerSpec({ protocol: 'udp', address: LB, port: await freePort(LB, 'udp'), backends, ...extra })
}

async function threeBackends(t: TestContext): Promise<[UdpBackend, UdpBackend, UdpBackend]> {
  return Promise.all([
    startUdpBackend(t, '127.0.0.2', 'a'),
    startUdpBackend(t, '127.0.0.3', 'b'),
    startUdpBackend(t, '127.0.0.4', 'c'),
  ])
}

function statsOf(listener: UdpListener, id: string) {
  const row = listener.pool.stats().find((s) => s.backendId === id)
  assert.ok(row, `stats of ${id}`)
  return row
}

/** The backend name in a reply `name:payload`, after checking the payload came back unchanged. */
function answeredBy(reply: string, payload: string): string {
  const [name, echoed] = reply.split(':')
  assert.equal(echoed, payload)
  return name!
}

test('wrr 100/50/0: 300 clients, one datagram each, split exactly 200/100/0, each reply to its sender', async (t) => {
  const [a, b, c] = await threeBackends(t)
  const spec = await udpSpec([
    target('a', a.address, a.port, 100),
    target('b', b.address, b.port, 50),
    target('c', c.address, c.port, 0),
  ])
  const listener = await startListener(t, spec)
  const counts: Record<string, number> = { a: 0, b: 0, c: 0 }
  // Every client stays open to the end, so no two share a source port (one flow each).
  for (let i = 0; i < 300; i++) {
    const client = await udpClient(t)
    counts[answeredBy(await client.request(spec.address, spec.port, `c${i}`), `c${i}`)]! += 1
  }
  assert.deepEqual(counts, { a: 200, b: 100, c: 0 })
  assert.deepEqual([a.peers.size, b.peers.size, c.peers.size], [200, 100, 0])
  assert.equal(statsOf(listener, 'a').activeConnections, 200)
  assert.equal(statsOf(listener, 'b').connections, 100)
  assert.equal(statsOf(listener, 'c').connections, 0)
})

test('a flow keeps its backend', async (t) => {
  const [a, b] = await threeBackends(t)
  const spec = await udpSpec([target('a', a.address, a.port), target('b', b.address, b.port)])
  const listener = await startListener(t, spec)
  const client = await udpClient(t)
  const first = answeredBy(await client.request(spec.address, spec.port, 'x0'), 'x0')
  for (let i = 1; i < 10; i++) {
    assert.equal(answeredBy(await client.request(spec.address, spec.port, `x${i}`), `x${i}`), first)
  }
  const other = first === 'a' ? 'b' : 'a'
  const second = await udpClient(t)
  assert.equal(answeredBy(await second.request(spec.address, spec.port, 'y'), 'y'), other)
  assert.equal(statsOf(listener, first).connections, 1)
  assert.equal(statsOf(listener, first).activeConnections, 1)
})

test('idle expiry frees the flow; the client’s next datagram opens a new flow and picks again', async (t) => {
  const [a, b] = await threeBackends(t)
  const spec = await udpSpec([target('a', a.address, a.port), target('b', b.address, b.port)], { idleTimeoutMs: 100 })
  const listener = await startListener(t, spec)
  const client = await udpClient(t)
  const first = answeredBy(await client.request(spec.address, spec.port, 'p'), 'p')
  await eventually(() => statsOf(listener, first).activeConnections === 0, 'flow expired')
  const next = answeredBy(await client.request(spec.address, spec.port, 'q'), 'q')
  assert.notEqual(next, first, 'wrr moves on to the other backend for the new flow')
  assert.equal(statsOf(listener, first).connections, 1)
  assert.equal(statsOf(listener, next).connections, 1)
  const firstStats = statsOf(listener, first)
  assert.deepEqual([firstStats.bytesIn, firstStats.bytesOut], [1, 3])
})

test('weight 0: new flows avoid the backend while its existing flow still works', async (t) => {
  const [a, b] = await threeBackends(t)
  const spec = await udpSpec([target('a', a.address, a.port)])
  const listener = await startListener(t, spec)
  const old = await udpClient(t)
  assert.equal(answeredBy(await old.request(spec.address, spec.port, 'o1'), 'o1'), 'a')

  listener.update({ ...spec, backends: [target('a', a.address, a.port, 0), target('b', b.address, b.port)] })
  for (let i = 0; i < 5; i++) {
    const fresh = await udpClient(t)
    assert.equal(answeredBy(await fresh.request(spec.address, spec.port, `n${i}`), `n${i}`), 'b')
  }
  assert.equal(answeredBy(await old.request(spec.address, spec.port, 'o2'), 'o2'), 'a')

  // Removed entirely: the flow still drains through it until it idles out.
  listener.update({ ...spec, backends: [target('b', b.address, b.port)] })
  assert.equal(answeredBy(await old.request(spec.address, spec.port, 'o3'), 'o3'), 'a')
  assert.equal(a.peers.size, 1)
})

test('no eligible backend: the datagram is dropped and no flow opens', async (t) => {
  const a = await startUdpBackend(t, '127.0.0.2', 'a')
  const spec = await udpSpec([target('a', a.address, a.port, 0)])
  const listener = await startListener(t, spec)
  const client = await udpClient(t)
  await assert.rejects(client.request(spec.address, spec.port, 'lost'), /timed out/)
  assert.equal(a.datagrams, 0)
  assert.equal(statsOf(listener, 'a').connections, 0)
})

test('stop closes the socket and every flow', async (t) => {
  const a = await startUdpBackend(t, '127.0.0.2', 'a')
  const spec = await udpSpec([target('a', a.address, a.port)])
  const listener = await startListener(t, spec)
  const client = await udpClient(t)
  assert.equal(answeredBy(await client.request(spec.address, spec.port, 'z'), 'z'), 'a')
  await withTimeout(listener.stop(), 'stop')
  assert.equal(listener.pool.stats().length, 0)
  // The port is free again: the listener no longer holds it.
  const again = new UdpListener(spec, { startHealth: noHealthChecks })
  await withTimeout(again.start(), 'rebind')
  await again.stop()
})

test('qch: datagrams with one QUIC connection ID reach one backend from any client port', async (t) => {
  const [a, b, c] = await threeBackends(t)
  const spec = await udpSpec(
    [target('a', a.address, a.port), target('b', b.address, b.port), target('c', c.address, c.port)],
    { scheduler: 'qch' },
  )
  await startListener(t, spec)
  const initial = (id: string): Buffer => Buffer.concat([Buffer.from([0xc3, 0, 0, 0, 1, id.length]), Buffer.from(id)])
  const byId = new Map<string, Set<string>>()
  for (let i = 0; i < 30; i++) {
    const id = `conn${String(i % 10).padStart(4, '0')}`
    const client = await udpClient(t)
    const reply = await client.request(spec.address, spec.port, initial(id))
    const names = byId.get(id) ?? new Set()
    names.add(reply.split(':')[0]!)
    byId.set(id, names)
  }
  for (const [id, names] of byId) assert.equal(names.size, 1, `${id} went to ${[...names].join(',')}`)
  const used = new Set([...byId.values()].flatMap((names) => [...names]))
  assert.ok(used.size > 1, 'ten connection IDs all hashed to one backend')
})

test('quicConnectionId reads the DCID of a long header and nothing else', () => {
  const dcid = [1, 2, 3, 4, 5, 6, 7, 8]
  const initial = Buffer.from([0xc3, 0, 0, 0, 1, dcid.length, ...dcid, 0, 0])
  assert.deepEqual([...quicConnectionId(initial)!], dcid)
  assert.equal(quicConnectionId(Buffer.from([0x43, 1, 2, 3, 4, 5, 6, 7, 8])), undefined, 'short header')
  assert.equal(quicConnectionId(Buffer.from([0xc3, 0, 0, 0, 1, 21, ...Array(21).fill(9)])), undefined, 'DCID > 20')
  assert.equal(quicConnectionId(Buffer.from([0xc3, 0, 0, 0, 1, 8, 1, 2])), undefined, 'truncated')
  assert.equal(quicConnectionId(Buffer.from('hello world')), undefined, 'not QUIC')
})
