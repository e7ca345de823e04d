/**
 * HealthMonitor rules with scripted probes and hand-fired timers (thresholds, jitter, one probe in
 * flight, update and stop), then once with real TCP probes and real timers for clean shutdown.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import type net from 'node:net'
import { test } from 'node:test'
import type { HealthStatus } from '../../../src/dataplane/driver.js'
import type { HealthTimers } from '../../../src/dataplane/health/monitor.js'
import { HealthMonitor } from '../../../src/dataplane/health/monitor.js'
import type { Probe } from '../../../src/dataplane/health/probe.js'
import type { BackendTarget, HealthCheckSpec } from '../../../src/dataplane/snapshot.js'

const INTERVAL = 1000
const TIMEOUT = 500

function spec(over: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return {
    type: 'tcp',
    port: undefined,
    intervalMs: INTERVAL,
    timeoutMs: TIMEOUT,
    healthyThreshold: 3,
    unhealthyThreshold: 2,
    uri: '/a',
    domain: '',
    method: 'head',
    httpCodes: ['http_2xx'],
    request: '',
    expect: '',
    ...over,
  }
}

function target(id: string, over: Partial<BackendTarget> = {}): BackendTarget {
  return { id, serverId: `i-${id}`, address: '127.0.0.2', port: 80, weight: 100, available: true, ...over }
}

/** Timers that fire only when the test says so. */
class ManualTimers implements HealthTimers {
  readonly pending = new Map<number, { fn: () => void; ms: number }>()
  #next = 0

  set(fn: () => void, ms: number): unknown {
    this.#next += 1
    this.pending.set(this.#next, { fn, ms })
    return this.#next
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as number)
  }

  delays(): number[] {
    return [...this.pending.values()].map((p) => p.ms)
  }

  /** Fires every timer pending now, then lets the probes' results land. */
  async fire(): Promise<void> {
    for (const [handle, timer] of [...this.pending]) {
      if (this.pending.delete(handle)) timer.fn()
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
}

type Outcome = boolean | 'hang' | 'throw' | 'reject'

/** A probe answering from a per-member script (default: healthy), recording every call. */
class ScriptedProbe {
  readonly script = new Map<string, Outcome[]>()
  readonly calls: Array<{ id: string; uri: string; signal: AbortSignal }> = []
  readonly inFlight = new Map<string, number>()
  maxInFlight = 0

  readonly probe: Probe = (t, s, signal) => {
    this.calls.push({ id: t.id, uri: s.uri, signal })
    const outcome = this.script.get(t.id)?.shift() ?? true
    if (outcome === 'throw') throw new Error('probe bug')
    if (outcome === 'reject') return Promise.reject(new Error('probe bug'))
    const running = (this.inFlight.get(t.id) ?? 0) + 1
    this.inFlight.set(t.id, running)
    this.maxInFlight = Math.max(this.maxInFlight, running)
    const done = (): void => {
      this.inFlight.set(t.id, (this.inFlight.get(t.id) ?? 1) - 1)
    }
    if (outcome !== 'hang') {
      done()
      return Promise.resolve(outcome)
    }
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        done()
        resolve(false)
      })
    })
  }

  callsOf(id: string): number {
    return this.calls.filter((c) => c.id === id).length
  }
}

function setup(
  initial: HealthCheckSpec | undefined,
  targets: BackendTarget[],
  random: () => number = () => 0.5,
): { monitor: HealthMonitor; timers: ManualTimers; probe: ScriptedProbe; events: Array<[string, HealthStatus]> } {
  const timers = new ManualTimers()
  const probe = new ScriptedProbe()
  const events: Array<[string, HealthStatus]> = []
  const monitor = new HealthMonitor(initial, targets, (id, status) => events.push([id, status]), {
    probes: { tcp: probe.probe, http: probe.probe, udp: probe.probe },
    timers,
    random,
  })
  return { monitor, timers, probe, events }
}

test('a first verdict and every later one need the full threshold of results in a row', async () => {
  const { monitor, timers, probe, events } = setup(spec(), [target('a'), target('b')])
  probe.script.set('a', [true, true, false, true, true, true, false, false])
  probe.script.set('b', Array<Outcome>(8).fill(false))
  assert.deepEqual(events, [
    ['a', 'unavailable'],
    ['b', 'unavailable'],
  ])

  const seen: Array<[HealthStatus | undefined, HealthStatus | undefined]> = []
  for (let round = 0; round < 8; round += 1) {
    await timers.fire()
    seen.push([monitor.status('a'), monitor.status('b')])
  }
  assert.deepEqual(seen, [
    ['unavailable', 'unavailable'],
    ['unavailable', 'abnormal'],
    ['unavailable', 'abnormal'],
    ['unavailable', 'abnormal'],
    ['unavailable', 'abnormal'],
    ['normal', 'abnormal'],
    ['normal', 'abnormal'],
    ['abnormal', 'abnormal'],
  ])
  assert.deepEqual(events.slice(2), [
    ['b', 'abnormal'],
    ['a', 'normal'],
    ['a', 'abnormal'],
  ])
  assert.equal(probe.callsOf('a'), 8)
  monitor.stop()
})

test('a probe that throws or rejects counts as a failure', async () => {
  const { monitor, timers, probe } = setup(spec(), [target('a')])
  probe.script.set('a', ['throw', 'reject'])
  await timers.fire()
  await timers.fire()
  assert.equal(monitor.status('a'), 'abnormal')
  assert.equal(timers.pending.size, 1)
  monitor.stop()
})

test('first probes are spread over one interval; later ones follow start to start', async () => {
  const targets = Array.from({ length: 200 }, (_, i) => target(`m${i}`))
  const { monitor, timers } = setup(spec(), targets, Math.random)
  const first = timers.delays()
  assert.equal(first.length, 200)
  assert.ok(first.every((ms) => Number.isInteger(ms) && ms >= 0 && ms < INTERVAL))
  assert.ok(new Set(first).size > 50, 'first probes are not bunched together')

  await timers.fire()
  const next = timers.delays()
  assert.equal(next.length, 200)
  assert.ok(next.every((ms) => ms >= 0 && ms <= INTERVAL))
  monitor.stop()
  assert.equal(timers.pending.size, 0)

  const fixed = setup(spec(), [target('a')], () => 0.25)
  assert.deepEqual(fixed.timers.delays(), [INTERVAL / 4])
  fixed.monitor.stop()
})

test('at most one probe in flight per member; the timeout aborts it and counts a failure', async () => {
  const { monitor, timers, probe } = setup(spec({ unhealthyThreshold: 2 }), [target('a')])
  probe.script.set('a', ['hang', 'hang'])

  await timers.fire()
  assert.equal(probe.callsOf('a'), 1)
  // While the probe hangs, the only timer is its timeout.
  assert.deepEqual(timers.delays(), [TIMEOUT])
  const first = probe.calls[0]
  assert.equal(first?.signal.aborted, false)

  await timers.fire()
  assert.equal(first?.signal.aborted, true)
  assert.equal(probe.callsOf('a'), 1)
  assert.equal(timers.pending.size, 1)
  assert.equal(monitor.status('a'), 'unavailable')

  await timers.fire()
  await timers.fire()
  assert.equal(probe.callsOf('a'), 2)
  assert.equal(monitor.status('a'), 'abnormal')
  assert.equal(probe.maxInFlight, 1)
  monitor.stop()
})

test('update() adds and removes members and keeps the state of unchanged ones', async () => {
  const { monitor, timers, probe, events } = setup(spec(), [target('a'), target('b')])
  probe.script.set('a', [true, 'hang'])
  await timers.fire()
  await timers.fire()
  const hung = probe.calls.at(-2)
  assert.equal(hung?.id, 'a')
  assert.equal(monitor.status('b'), 'unavailable')

  // Same settings: b keeps its two successes, a leaves (its probe is aborted), c arrives.
  monitor.update(spec(), [target('b', { weight: 0 }), target('c')])
  assert.equal(hung?.signal.aborted, true)
  assert.equal(monitor.status('a'), undefined)
  assert.equal(monitor.status('c'), 'unavailable')
  assert.equal(timers.pending.size, 2)

  await timers.fire()
  assert.equal(monitor.status('b'), 'normal')
  assert.equal(monitor.status('c'), 'unavailable')
  assert.equal(probe.callsOf('a'), 2)
  assert.deepEqual(events, [
    ['a', 'unavailable'],
    ['b', 'unavailable'],
    ['c', 'unavailable'],
    ['b', 'normal'],
  ])
  monitor.stop()
})

test('changed probe settings restart the checks but keep the last verdict until a new one', async () => {
  const { monitor, timers, probe, events } = setup(spec(), [target('a')])
  for (let i = 0; i < 3; i += 1) await timers.fire()
  assert.equal(monitor.status('a'), 'normal')

  probe.script.set('a', [false, 'hang'])
  await timers.fire()
  await timers.fire()
  const hung = probe.calls.at(-1)
  // One failure and a probe in flight; a new URI aborts it and starts over from zero.
  monitor.update(spec({ uri: '/b' }), [target('a')])
  assert.equal(hung?.signal.aborted, true)
  assert.equal(monitor.status('a'), 'normal')
  assert.equal(timers.pending.size, 1)

  probe.script.set('a', [false, false])
  await timers.fire()
  assert.equal(monitor.status('a'), 'normal', 'the failure before the restart does not count')
  await timers.fire()
  assert.equal(monitor.status('a'), 'abnormal')
  assert.equal(probe.calls.at(-1)?.uri, '/b')
  assert.deepEqual(
    events.map(([, s]) => s),
    ['unavailable', 'normal', 'abnormal'],
  )

  // A member that moved (new port) is restarted the same way.
  probe.script.set('a', [true, true])
  monitor.update(spec({ uri: '/b' }), [target('a', { port: 81 })])
  await timers.fire()
  await timers.fire()
  assert.equal(monitor.status('a'), 'abnormal', 'three successes are needed, two are not')
  monitor.stop()
})

test('timing-only changes keep the counters and re-place a pending probe within the new interval', async () => {
  const { monitor, timers, probe } = setup(spec(), [target('a')])
  await timers.fire()
  await timers.fire()
  assert.equal(monitor.status('a'), 'unavailable')

  monitor.update(spec({ healthyThreshold: 3, intervalMs: 100, timeoutMs: 50 }), [target('a')])
  assert.deepEqual(timers.delays(), [50])
  await timers.fire()
  assert.equal(monitor.status('a'), 'normal', 'two successes before the change plus one after')
  assert.equal(probe.callsOf('a'), 3)

  probe.script.set('a', ['hang'])
  await timers.fire()
  assert.deepEqual(timers.delays(), [50])
  monitor.stop()
})

test('a member whose instance is not available is abnormal without probes until it passes again', async () => {
  const { monitor, timers, probe, events } = setup(spec(), [target('a', { available: false })])
  assert.equal(monitor.status('a'), 'abnormal')
  assert.equal(timers.pending.size, 0)

  monitor.update(spec(), [target('a')])
  assert.equal(timers.pending.size, 1)
  await timers.fire()
  await timers.fire()
  assert.equal(monitor.status('a'), 'abnormal')
  await timers.fire()
  assert.equal(monitor.status('a'), 'normal')

  monitor.update(spec(), [target('a', { available: false })])
  assert.equal(monitor.status('a'), 'abnormal')
  assert.equal(timers.pending.size, 0)
  assert.equal(probe.callsOf('a'), 3)
  assert.deepEqual(
    events.map(([, s]) => s),
    ['abnormal', 'normal', 'abnormal'],
  )
  monitor.stop()
})

test('health check off forgets every status; on again starts over; stop() is final', async () => {
  const { monitor, timers, probe, events } = setup(undefined, [target('a')])
  assert.equal(monitor.status('a'), undefined)
  assert.equal(timers.pending.size, 0)

  monitor.update(spec(), [target('a')])
  for (let i = 0; i < 3; i += 1) await timers.fire()
  assert.equal(monitor.status('a'), 'normal')
  monitor.update(undefined, [target('a')])
  assert.equal(monitor.status('a'), undefined)
  assert.equal(timers.pending.size, 0)
  monitor.update(spec(), [target('a')])
  assert.equal(monitor.status('a'), 'unavailable')

  probe.script.set('a', ['hang'])
  await timers.fire()
  const hung = probe.calls.at(-1)
  monitor.stop()
  assert.equal(hung?.signal.aborted, true)
  assert.equal(timers.pending.size, 0)
  await new Promise((resolve) => setImmediate(resolve))
  monitor.update(spec(), [target('a'), target('b')])
  assert.equal(timers.pending.size, 0)
  assert.equal(monitor.status('a'), undefined)
  assert.deepEqual(
    events.map(([, s]) => s),
    ['unavailable', 'normal', 'unavailable'],
  )
})

test('with real probes and timers, stop() leaves no timer and no socket behind', async (t) => {
  const live = new Set<NodeJS.Timeout>()
  const timers: HealthTimers = {
    set: (fn, ms) => {
      const handle = setTimeout(() => {
        live.delete(handle)
        fn()
      }, ms).unref()
      live.add(handle)
      return handle
    },
    clear: (handle) => {
      clearTimeout(handle as NodeJS.Timeout)
      live.delete(handle as NodeJS.Timeout)
    },
  }
  const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length
  const baseline = sockets()
  // '/ok' answers, anything else never does: those probes stay in flight until stopped.
  const server = http.createServer((req, res) => {
    if (req.url === '/ok') res.end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', () => resolve()))
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  const port = (server.address() as net.AddressInfo).port
  const waitFor = async (what: string, condition: () => boolean): Promise<void> => {
    const deadline = Date.now() + 5000
    while (!condition()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  const targets = Array.from({ length: 20 }, (_, i) => target(`m${i}`, { port }))
  const check = spec({ type: 'http', uri: '/ok', intervalMs: 20, timeoutMs: 60_000, healthyThreshold: 2 })
  const monitor = new HealthMonitor(check, targets, () => {}, { timers })
  await waitFor('normal members', () => targets.every((m) => monitor.status(m.id) === 'normal'))
  assert.equal(live.size, 20)

  monitor.update({ ...check, uri: '/hang' }, targets)
  // Each member's probe holds a client and a server socket.
  await waitFor('hanging probes', () => sockets() - baseline === 40)
  assert.equal(live.size, 20)
  monitor.stop()
  assert.equal(live.size, 0)
  await waitFor('closed probe sockets', () => sockets() === baseline)
  assert.ok(targets.every((m) => monitor.status(m.id) === undefined))
})
