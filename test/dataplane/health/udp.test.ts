/** UDP health checks against real loopback sockets: expected replies, and ICMP-only checks. */
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { test } from 'node:test'
import type { HealthStatus } from '../../../src/dataplane/driver.js'
import { HealthMonitor } from '../../../src/dataplane/health/monitor.js'
import { DEFAULT_UDP_REQUEST, udpProbe } from '../../../src/dataplane/health/udp-probe.js'
import type { BackendTarget, HealthCheckSpec } from '../../../src/dataplane/snapshot.js'

const BACKEND = '127.0.0.4'

function spec(over: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return {
    type: 'udp',
    port: undefined,
    intervalMs: 50,
    timeoutMs: 200,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    uri: '',
    domain: '',
    method: 'head',
    httpCodes: ['http_2xx'],
    request: 'ping',
    expect: 'pong',
    ...over,
  }
}

function target(id: string, port: number): BackendTarget {
  return { id, serverId: `i-${id}`, address: BACKEND, port, weight: 100, available: true }
}

/** A UDP socket on BACKEND answering each datagram with `reply(payload)` (undefined: silence). */
async function udpBackend(
  t: { after(fn: () => unknown): void },
  reply: (payload: string) => string | undefined,
): Promise<{ port: number; received: string[]; close(): Promise<void> }> {
  const received: string[] = []
  const socket = dgram.createSocket('udp4')
  socket.on('message', (msg, peer) => {
    received.push(msg.toString())
    const answer = reply(msg.toString())
    if (answer !== undefined) socket.send(answer, peer.port, peer.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, BACKEND, () => resolve()))
  const port = socket.address().port
  let closed = false
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (closed) {
        resolve()
        return
      }
      closed = true
      socket.close(() => resolve())
    })
  t.after(close)
  return { port, received, close }
}

/** A UDP port on BACKEND that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const socket = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, BACKEND, () => resolve()))
  const port = socket.address().port
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

const live = (): AbortSignal => new AbortController().signal

async function waitFor(what: string, condition: () => boolean, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Resolves the probe with a signal that aborts after `ms`, as the monitor's timeout does. */
async function probeWithin(t: BackendTarget, s: HealthCheckSpec, ms = 200): Promise<boolean> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), ms)
  try {
    return await udpProbe(t, s, controller.signal)
  } finally {
    clearTimeout(timer)
  }
}

test('a UDP probe with an expected reply: healthy iff the reply contains it', async (t) => {
  const echo = await udpBackend(t, (p) => (p === 'ping' ? 'pong!' : undefined))
  const wrong = await udpBackend(t, () => 'nope')
  const silent = await udpBackend(t, () => undefined)

  assert.equal(await probeWithin(target('a', echo.port), spec()), true)
  assert.deepEqual(echo.received, ['ping'])
  assert.equal(await probeWithin(target('b', wrong.port), spec()), false)
  assert.deepEqual(wrong.received, ['ping'])
  // No reply within the timeout is a failure when a reply is expected.
  assert.equal(await probeWithin(target('c', silent.port), spec()), false)
  assert.deepEqual(silent.received, ['ping'])
  // HealthCheckConnectPort replaces the member's port.
  assert.equal(await probeWithin(target('d', wrong.port), spec({ port: echo.port })), true)
  assert.equal(await udpProbe(target('a', echo.port), spec(), AbortSignal.abort()), false)
})

test('a UDP probe without an expected reply: healthy unless ICMP port-unreachable comes back', async (t) => {
  const silent = await udpBackend(t, () => undefined)
  const noExpect = spec({ request: '', expect: '' })
  // Nothing comes back from a listening socket: healthy once the timeout passes.
  assert.equal(await probeWithin(target('a', silent.port), noExpect), true)
  assert.deepEqual(silent.received, [DEFAULT_UDP_REQUEST])
  // A closed port answers with ICMP port-unreachable: ECONNREFUSED, long before the timeout.
  assert.equal(await probeWithin(target('b', await closedPort()), noExpect, 5000), false)
  // Any reply at all is healthy too.
  const chatty = await udpBackend(t, () => 'hello')
  assert.equal(await probeWithin(target('c', chatty.port), noExpect, 5000), true)
})

test('UDP members: echo normal, wrong reply abnormal, closed port abnormal, silent port normal', async (t) => {
  const echo = await udpBackend(t, (p) => (p === 'ping' ? 'pong' : undefined))
  const wrong = await udpBackend(t, () => 'nope')
  const silent = await udpBackend(t, () => undefined)
  const events: Array<[string, HealthStatus]> = []
  const targets = [target('echo', echo.port), target('wrong', wrong.port)]
  const monitor = new HealthMonitor(spec(), targets, (id, s) => events.push([id, s]))
  t.after(() => monitor.stop())
  await waitFor('verdicts', () => monitor.status('echo') === 'normal' && monitor.status('wrong') === 'abnormal')

  const closed = await closedPort()
  monitor.update(spec({ request: '', expect: '' }), [target('silent', silent.port), target('closed', closed)])
  assert.equal(monitor.status('echo'), undefined)
  await waitFor('verdicts', () => monitor.status('silent') === 'normal' && monitor.status('closed') === 'abnormal')

  // The echo backend goes away: its datagrams now draw ICMP errors.
  monitor.update(spec(), [target('echo', echo.port)])
  await waitFor('normal', () => monitor.status('echo') === 'normal')
  await echo.close()
  await waitFor('abnormal', () => monitor.status('echo') === 'abnormal')

  const of = (id: string): HealthStatus[] => events.filter(([x]) => x === id).map(([, s]) => s)
  assert.deepEqual(of('echo'), ['unavailable', 'normal', 'unavailable', 'normal', 'abnormal'])
  assert.deepEqual(of('wrong'), ['unavailable', 'abnormal'])
  assert.deepEqual(of('silent'), ['unavailable', 'normal'])
  assert.deepEqual(of('closed'), ['unavailable', 'abnormal'])
})
