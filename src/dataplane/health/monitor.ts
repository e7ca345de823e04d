/**
 * Active health checks of one listener's members: a checker per member on its own schedule,
 * consecutive-result thresholds, and a callback on every status change (contract §2.3, §2.4).
 */
import type { HealthStatus } from '../driver.js'
import type { BackendTarget, HealthCheckSpec } from '../snapshot.js'
import { httpProbe } from './http-probe.js'
import type { Probe } from './probe.js'
import { tcpProbe } from './tcp-probe.js'
import { udpProbe } from './udp-probe.js'

/*
 * Status rules (DescribeHealthStatus, contract §2.4):
 * - A new member starts 'unavailable' ("the health check is not completed"). It leaves that state
 *   only after a full threshold: healthyThreshold successes in a row → 'normal', unhealthyThreshold
 *   failures in a row → 'abnormal'. Later changes need the same thresholds.
 * - A member whose instance is not available (not Running) is not probed and is 'abnormal' at once:
 *   it takes no traffic anyway, and a stopped ECS instance fails its checks in the cloud too. When it
 *   becomes available again it is probed from zero and stays 'abnormal' until it passes.
 * - Weight-0 members are probed like any other, so their status is real when the weight comes back.
 * - A restarted checker (the probe settings changed, or the member's address or port did) starts
 *   again from zero results but keeps reporting its last verdict until the new checks reach one, so
 *   editing a check never briefly re-admits an abnormal member nor drops a normal one.
 * - Interval, timeout and threshold changes alone keep the counters; they apply from the next probe.
 */

export type HealthListener = (backendId: string, status: HealthStatus) => void

/** Timer functions; the default ones unref() so health checks never keep the process alive. */
export interface HealthTimers {
  set(fn: () => void, ms: number): unknown
  clear(handle: unknown): void
}

export interface HealthMonitorOptions {
  /** Replaces the probe of a check type (tests). */
  readonly probes?: Partial<Record<HealthCheckSpec['type'], Probe>>
  readonly timers?: HealthTimers
  /** A number in [0, 1) that places a member's first probe within the first interval. */
  readonly random?: () => number
}

const defaultTimers: HealthTimers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

const builtinProbes: Record<HealthCheckSpec['type'], Probe> = { tcp: tcpProbe, http: httpProbe, udp: udpProbe }

interface Checker {
  target: BackendTarget
  status: HealthStatus
  successes: number
  failures: number
  /** The next probe's timer, or the running probe's timeout: never both. */
  timer: unknown
  /** Aborts the probe in flight; undefined when none is. */
  inFlight: AbortController | undefined
  startedAt: number
  /** Bumped whenever the checker halts, so a late result of an older probe is dropped. */
  epoch: number
}

export class HealthMonitor {
  readonly #checkers = new Map<string, Checker>()
  readonly #onChange: HealthListener
  readonly #probes: Record<HealthCheckSpec['type'], Probe>
  readonly #timers: HealthTimers
  readonly #random: () => number
  #spec: HealthCheckSpec | undefined
  #stopped = false

  /** Reports every member's first status synchronously; give the pool its members first. */
  constructor(
    spec: HealthCheckSpec | undefined,
    targets: readonly BackendTarget[],
    onChange: HealthListener,
    options: HealthMonitorOptions = {},
  ) {
    this.#onChange = onChange
    this.#probes = { ...builtinProbes, ...options.probes }
    this.#timers = options.timers ?? defaultTimers
    this.#random = options.random ?? Math.random
    this.update(spec, targets)
  }

  /**
   * Takes a new snapshot's check settings and members. Undefined settings (health check off) stop
   * every checker and forget every status; turned on again, members start over from 'unavailable'.
   */
  update(spec: HealthCheckSpec | undefined, targets: readonly BackendTarget[]): void {
    if (this.#stopped) return
    const previous = this.#spec
    this.#spec = spec
    if (spec === undefined) {
      for (const checker of this.#checkers.values()) this.#halt(checker)
      this.#checkers.clear()
      return
    }
    const probeChanged = previous !== undefined && probeSettingsChanged(previous, spec)
    const intervalChanged = previous !== undefined && previous.intervalMs !== spec.intervalMs
    const present = new Set<string>()
    for (const target of targets) {
      present.add(target.id)
      const checker = this.#checkers.get(target.id)
      if (checker === undefined) {
        this.#add(target)
        continue
      }
      const before = checker.target
      checker.target = target
      const moved = before.address !== target.address || before.port !== target.port
      if (probeChanged || moved || before.available !== target.available) {
        this.#restart(checker)
      } else if (intervalChanged && checker.inFlight === undefined) {
        // A pending probe may wait for the old, longer interval: place it again within the new one.
        this.#halt(checker)
        this.#schedule(checker, this.#firstDelay())
      }
    }
    for (const [id, checker] of this.#checkers) {
      if (present.has(id)) continue
      this.#halt(checker)
      this.#checkers.delete(id)
    }
  }

  /** The member's status, or undefined when it is not checked (unknown, or health check off). */
  status(backendId: string): HealthStatus | undefined {
    return this.#checkers.get(backendId)?.status
  }

  /** Clears every timer and aborts every probe in flight; the monitor is inert afterwards. */
  stop(): void {
    this.#stopped = true
    this.#spec = undefined
    for (const checker of this.#checkers.values()) this.#halt(checker)
    this.#checkers.clear()
  }

  #add(target: BackendTarget): void {
    const checker: Checker = {
      target,
      status: target.available ? 'unavailable' : 'abnormal',
      successes: 0,
      failures: 0,
      timer: undefined,
      inFlight: undefined,
      startedAt: 0,
      epoch: 0,
    }
    this.#checkers.set(target.id, checker)
    this.#onChange(target.id, checker.status)
    if (target.available) this.#schedule(checker, this.#firstDelay())
  }

  #restart(checker: Checker): void {
    this.#halt(checker)
    checker.successes = 0
    checker.failures = 0
    if (!checker.target.available) {
      this.#setStatus(checker, 'abnormal')
      return
    }
    this.#schedule(checker, this.#firstDelay())
  }

  #halt(checker: Checker): void {
    checker.epoch += 1
    if (checker.timer !== undefined) this.#timers.clear(checker.timer)
    checker.timer = undefined
    checker.inFlight?.abort()
    checker.inFlight = undefined
  }

  // Spread first probes over one interval so a listener's members are not probed all at once.
  #firstDelay(): number {
    return Math.floor(this.#random() * (this.#spec?.intervalMs ?? 0))
  }

  #schedule(checker: Checker, delayMs: number): void {
    checker.timer = this.#timers.set(() => {
      checker.timer = undefined
      this.#probe(checker)
    }, delayMs)
  }

  #probe(checker: Checker): void {
    const spec = this.#spec
    if (spec === undefined) return
    const epoch = checker.epoch
    const controller = new AbortController()
    checker.inFlight = controller
    checker.startedAt = performance.now()
    checker.timer = this.#timers.set(() => {
      checker.timer = undefined
      controller.abort()
    }, spec.timeoutMs)
    let result: Promise<boolean>
    try {
      result = this.#probes[spec.type](checker.target, spec, controller.signal)
    } catch {
      result = Promise.resolve(false)
    }
    result.then(
      (healthy) => this.#settle(checker, epoch, healthy === true),
      () => this.#settle(checker, epoch, false),
    )
  }

  #settle(checker: Checker, epoch: number, healthy: boolean): void {
    const spec = this.#spec
    if (this.#stopped || spec === undefined || checker.epoch !== epoch) return
    if (checker.timer !== undefined) this.#timers.clear(checker.timer)
    checker.timer = undefined
    checker.inFlight = undefined
    let verdict: HealthStatus | undefined
    if (healthy) {
      checker.failures = 0
      checker.successes += 1
      if (checker.successes >= spec.healthyThreshold) verdict = 'normal'
    } else {
      checker.successes = 0
      checker.failures += 1
      if (checker.failures >= spec.unhealthyThreshold) verdict = 'abnormal'
    }
    // Start to start, never overlapping: a probe that took longer than the interval is followed at once.
    const elapsed = performance.now() - checker.startedAt
    this.#schedule(checker, Math.max(0, spec.intervalMs - elapsed))
    if (verdict !== undefined) this.#setStatus(checker, verdict)
  }

  #setStatus(checker: Checker, status: HealthStatus): void {
    if (checker.status === status) return
    checker.status = status
    this.#onChange(checker.target.id, status)
  }
}

/** Whether what is probed changed (not just when or how often): such a change restarts the checks. */
function probeSettingsChanged(a: HealthCheckSpec, b: HealthCheckSpec): boolean {
  return (
    a.type !== b.type ||
    a.port !== b.port ||
    a.uri !== b.uri ||
    a.domain !== b.domain ||
    a.method !== b.method ||
    a.request !== b.request ||
    a.expect !== b.expect ||
    a.httpCodes.join(',') !== b.httpCodes.join(',')
  )
}
