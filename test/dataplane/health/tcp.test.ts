/** TCP health checks against real loopback servers: the probe alone, and a member coming and going. */
import assert from 'node:assert/strict'
import net from 'node:net'
import { test } from 'node:test'
import type { HealthStatus } from '../../../src/dataplane/driver.js'
import { HealthMonitor } from '../../../src/dataplane/health/monitor.js'
import { tcpProbe } from '../../../src/dataplane/health/tcp-probe.js'
import type { BackendTarget, HealthCheckSpec } from '../../../src/dataplane/snapshot.js'

const BACKEND = '127.0.0.2'

function spec(over: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return {
    type: 'tcp',
    port: undefined,
    intervalMs: 50,
    timeoutMs: 1000,
    healthyThreshold: 3,
    unhealthyThreshold: 2,
    uri: '',
    domain: '',
    method: 'head',
    httpCodes: ['http_2xx'],
    request: '',
    expect: '',
    ...over,
  }
}

function target(id: string, port: number): BackendTarget {
  return { id, serverId: `i-${id}`, address: BACKEND, port, weight: 100, available: true }
}

/** A TCP server that accepts and closes at once; closed (with its connections) when the test ends. */
async function tcpServer(t: { after(fn: () => unknown): void }, port = 0): Promise<net.Server> {
  const server = net.createServer((socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, BACKEND, () => resolve())
  })
  t.after(() => closeServer(server))
  return server
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve()
      return
    }
    server.close(() => resolve())
  })
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port
}

/** A port on BACKEND that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, BACKEND, () => resolve()))
  const port = portOf(server)
  await closeServer(server)
  return port
}

async function waitFor(what: string, condition: () => boolean, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

test('the TCP probe succeeds on connect, fails on a closed port or an aborted signal', async (t) => {
  const server = await tcpServer(t)
  const open = target('a', portOf(server))
  assert.equal(await tcpProbe(open, spec(), new AbortController().signal), true)

  const closed = target('b', await closedPort())
  assert.equal(await tcpProbe(closed, spec(), new AbortController().signal), false)

  // HealthCheckConnectPort replaces the member's port.
  assert.equal(await tcpProbe(closed, spec({ port: portOf(server) }), new AbortController().signal), true)
  assert.equal(await tcpProbe(open, spec({ port: closed.port }), new AbortController().signal), false)

  assert.equal(await tcpProbe(open, spec(), AbortSignal.abort()), false)
  assert.equal(await tcpProbe(target('c', 0), spec(), new AbortController().signal), false)
})

test('a TCP member: unavailable → normal → abnormal → normal as its server comes and goes', async (t) => {
  const server = await tcpServer(t)
  const port = portOf(server)
  const results: boolean[] = []
  const transitions: Array<{ status: HealthStatus; results: boolean[] }> = []
  const monitor = new HealthMonitor(
    spec(),
    [target('a', port)],
    (id, status) => {
      assert.equal(id, 'a')
      transitions.push({ status, results: [...results] })
    },
    {
      probes: {
        tcp: async (...args) => {
          const healthy = await tcpProbe(...args)
          results.push(healthy)
          return healthy
        },
      },
    },
  )
  t.after(() => monitor.stop())
  assert.equal(monitor.status('a'), 'unavailable')

  await waitFor('normal', () => monitor.status('a') === 'normal')
  await closeServer(server)
  await waitFor('abnormal', () => monitor.status('a') === 'abnormal')
  await tcpServer(t, port)
  await waitFor('normal again', () => monitor.status('a') === 'normal')

  assert.deepEqual(
    transitions.map((x) => x.status),
    ['unavailable', 'normal', 'abnormal', 'normal'],
  )
  // The first verdict needed the full healthyThreshold (3) of successes, nothing less.
  assert.deepEqual(transitions[1]?.results, [true, true, true])
  // Abnormal after exactly unhealthyThreshold (2) failures in a row, normal after 3 successes.
  assert.deepEqual(transitions[2]?.results.slice(-3), [true, false, false])
  assert.deepEqual(transitions[3]?.results.slice(-4), [false, true, true, true])
})
