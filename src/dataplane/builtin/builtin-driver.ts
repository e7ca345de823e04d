/**
 * The builtin data-plane driver: TCP, UDP and HTTP listeners in this process. Each snapshot is
 * diffed against the running listeners by key; listeners are started, updated in place, rebound
 * or stopped, and the health checks of each are created here.
 */
import { isDeepStrictEqual } from 'node:util'
import type { ApplyResult, BackendHealth, BackendStats, Driver } from '../driver.js'
import { HealthMonitor as HealthChecks, type HealthMonitorOptions } from '../health/monitor.js'
import type { DataplaneSnapshot, ListenerProtocol, ListenerSpec } from '../snapshot.js'
import { HttpListener } from './http-listener.js'
import type { ListenerDeps, ListenerFactory, RunningListener } from './listener.js'
import { TcpListener } from './tcp-listener.js'
import { UdpListener } from './udp-listener.js'

export interface BuiltinDriverOptions {
  /** Probes, timers and randomness of the health checks (tests). */
  readonly health?: HealthMonitorOptions
  /** Replaces how a listener is made, per protocol (tests). */
  readonly factories?: Partial<Record<ListenerProtocol, ListenerFactory>>
}

type Failure = ApplyResult['failed'][number]

interface Running {
  spec: ListenerSpec
  readonly listener: RunningListener
}

const defaultFactories: Record<ListenerProtocol, ListenerFactory> = {
  tcp: (spec, deps) => new TcpListener(spec, deps),
  udp: (spec, deps) => new UdpListener(spec, deps),
  http: (spec, deps) => new HttpListener(spec, deps),
}

export class BuiltinDriver implements Driver {
  readonly #running = new Map<string, Running>()
  readonly #factories: Record<ListenerProtocol, ListenerFactory>
  readonly #deps: ListenerDeps
  /** Applies run one at a time, in call order: each one diffs against what the last one left. */
  #queue: Promise<unknown> = Promise.resolve()
  #generation = -1
  #closed = false

  constructor(options: BuiltinDriverOptions = {}) {
    this.#factories = { ...defaultFactories, ...options.factories }
    this.#deps = { startHealth: monitorHealth(options.health ?? {}) }
  }

  /** The generation of the last snapshot applied (-1 before the first). */
  get generation(): number {
    return this.#generation
  }

  /**
   * Resolves once every listener of the snapshot is bound (or reported in `failed`) and new
   * connections see the new members. A snapshot older than the last applied one is ignored and
   * the result carries the generation in force; the same generation again is re-applied, which
   * retries listeners that failed to bind.
   */
  apply(snapshot: DataplaneSnapshot): Promise<ApplyResult> {
    const result = this.#queue.then(() => this.#apply(snapshot))
    this.#queue = result.catch(() => undefined)
    return result
  }

  health(): readonly BackendHealth[] {
    const out: BackendHealth[] = []
    for (const [listenerKey, { listener }] of this.#running) {
      for (const { backendId, status } of listener.pool.health()) out.push({ listenerKey, backendId, status })
    }
    return out
  }

  stats(): readonly BackendStats[] {
    const out: BackendStats[] = []
    for (const { listener } of this.#running.values()) out.push(...listener.pool.stats())
    return out
  }

  /** Stops every listener (their ports are free when this resolves); later applies bind nothing. */
  close(): Promise<void> {
    const done = this.#queue.then(async () => {
      this.#closed = true
      await this.#stopAll([...this.#running.values()])
      this.#running.clear()
    })
    this.#queue = done.catch(() => undefined)
    return done
  }

  async #apply(snapshot: DataplaneSnapshot): Promise<ApplyResult> {
    if (this.#closed) {
      return {
        generation: this.#generation,
        failed: snapshot.listeners.map((spec) => ({ listenerKey: spec.key, error: 'the data plane driver is closed' })),
      }
    }
    if (snapshot.generation < this.#generation) return { generation: this.#generation, failed: [] }
    this.#generation = snapshot.generation

    const wanted = new Map<string, ListenerSpec>()
    for (const spec of snapshot.listeners) wanted.set(spec.key, spec)

    // Stop first: a port that one listener gives up may be bound by another in the same snapshot
    // (a TCP listener replaced by an HTTP one on the same port has a new key).
    const leaving: Running[] = []
    for (const [key, running] of this.#running) {
      const spec = wanted.get(key)
      if (spec === undefined || mustRebind(running.spec, spec)) {
        this.#running.delete(key)
        leaving.push(running)
      }
    }
    await this.#stopAll(leaving)

    const failed: Failure[] = []
    const starting: Array<Promise<Failure | undefined>> = []
    for (const spec of wanted.values()) {
      const running = this.#running.get(spec.key)
      if (running === undefined) {
        starting.push(this.#start(spec))
      } else if (running.spec !== spec) {
        // The reconciler reuses spec objects of untouched load balancers: identity is the fast path,
        // and an equal new object replaces the old one so the next pass is an identity check too.
        if (isDeepStrictEqual(running.spec, spec)) {
          running.spec = spec
          continue
        }
        try {
          running.listener.update(spec)
          running.spec = spec
        } catch (err) {
          failed.push({ listenerKey: spec.key, error: errorText(err) })
        }
      }
    }
    for (const failure of await Promise.all(starting)) {
      if (failure !== undefined) failed.push(failure)
    }
    return { generation: snapshot.generation, failed }
  }

  async #start(spec: ListenerSpec): Promise<Failure | undefined> {
    let listener: RunningListener | undefined
    try {
      listener = this.#factories[spec.protocol](spec, this.#deps)
      await listener.start()
    } catch (err) {
      // Not kept: the next apply (even of the same generation) tries to bind it again.
      await listener?.stop().catch(() => undefined)
      return { listenerKey: spec.key, error: errorText(err) }
    }
    this.#running.set(spec.key, { spec, listener })
    return undefined
  }

  async #stopAll(running: readonly Running[]): Promise<void> {
    await Promise.allSettled(running.map((r) => r.listener.stop()))
  }
}

/** What a listener cannot change while bound: a new address, port or protocol is a new socket. */
function mustRebind(a: ListenerSpec, b: ListenerSpec): boolean {
  return a.address !== b.address || a.port !== b.port || a.protocol !== b.protocol
}

/** Health checks per listener: status changes go straight to the listener's pool. */
function monitorHealth(options: HealthMonitorOptions): ListenerDeps['startHealth'] {
  return (spec, pool) => {
    const monitor = new HealthChecks(
      spec.healthCheck,
      spec.backends,
      (backendId, status) => pool.setHealth(backendId, status),
      options,
    )
    return {
      update: (next) => monitor.update(next.healthCheck, next.backends),
      stop: () => monitor.stop(),
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
