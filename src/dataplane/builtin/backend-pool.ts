/**
 * One listener's backends as the proxies see them: which may take new traffic (weight > 0,
 * available, healthy), the scheduler that picks among those, the live connections per backend
 * (so a drained member's connections finish, or are closed after the drain timeout), and the
 * per-backend counters behind /_openslb/stats.
 */
import { createPicker } from '../balancer/index.js'
import type { PickContext, Picker } from '../balancer/picker.js'
import type { BackendStats, HealthStatus } from '../driver.js'
import type { BackendTarget } from '../snapshot.js'
import type { SchedulerName } from '../../domain/schedulers.js'

/** Something a drain timeout can close: a socket, a UDP flow, an HTTP exchange. */
export interface Closable {
  destroy(): void
}

interface Counters {
  connections: number
  requests: number
  bytesIn: number
  bytesOut: number
  failures: number
}

interface Entry {
  target: BackendTarget
  /** False once the member left the snapshot; kept while its connections drain. */
  member: boolean
  health: HealthStatus
  live: Set<Closable>
  counters: Counters
  drainTimer: NodeJS.Timeout | undefined
}

export interface PickedBackend {
  readonly target: BackendTarget
  /** Call once the connection to the backend is open; returns the function to call when it ends. */
  track(conn: Closable): () => void
  /** Count traffic and outcomes for this backend. */
  addBytes(inbound: number, outbound: number): void
  addRequest(): void
  addFailure(): void
}

export class BackendPool {
  readonly #listenerKey: string
  readonly #entries = new Map<string, Entry>()
  #picker: Picker<BackendTarget>
  #scheduler: SchedulerName
  #drainTimeoutMs: number | undefined
  /** Whether health checks run; without them every member counts as healthy. */
  #checked: boolean

  constructor(listenerKey: string, scheduler: SchedulerName, drainTimeoutMs: number | undefined, checked: boolean) {
    this.#listenerKey = listenerKey
    this.#scheduler = scheduler
    this.#picker = createPicker(scheduler) as Picker<BackendTarget>
    this.#drainTimeoutMs = drainTimeoutMs
    this.#checked = checked
  }

  /**
   * Takes the members of a new snapshot. Members that left, or whose weight became 0, keep their
   * established connections; only new picks change (DESIGN.md principle 5).
   */
  update(
    targets: readonly BackendTarget[],
    options: { scheduler: SchedulerName; drainTimeoutMs: number | undefined; checked: boolean },
  ): void {
    if (options.scheduler !== this.#scheduler) {
      this.#scheduler = options.scheduler
      this.#picker = createPicker(options.scheduler) as Picker<BackendTarget>
    }
    this.#drainTimeoutMs = options.drainTimeoutMs
    if (options.checked !== this.#checked) {
      this.#checked = options.checked
      for (const entry of this.#entries.values()) entry.health = options.checked ? 'unavailable' : 'normal'
    }
    const present = new Set<string>()
    for (const target of targets) {
      present.add(target.id)
      const entry = this.#entries.get(target.id)
      if (entry === undefined) {
        this.#entries.set(target.id, {
          target,
          member: true,
          health: this.#checked ? 'unavailable' : 'normal',
          live: new Set(),
          counters: { connections: 0, requests: 0, bytesIn: 0, bytesOut: 0, failures: 0 },
          drainTimer: undefined,
        })
      } else {
        // An address or port change is a different backend for new connections; old ones finish.
        entry.target = target
        entry.member = true
      }
    }
    for (const [id, entry] of this.#entries) {
      if (!present.has(id)) entry.member = false
    }
    this.#refresh()
  }

  setHealth(id: string, status: HealthStatus): void {
    const entry = this.#entries.get(id)
    if (entry === undefined || entry.health === status) return
    entry.health = status
    this.#refresh()
  }

  /** The backend for a new connection or request, or undefined when none may take traffic. */
  pick(ctx: PickContext): PickedBackend | undefined {
    const target = this.#picker.pick(ctx)
    if (target === undefined) return undefined
    const entry = this.#entries.get(target.id)
    if (entry === undefined) return undefined
    return this.#handle(entry)
  }

  /** The backend with this id if it may still take traffic (sticky sessions, UDP flows). */
  eligible(id: string): PickedBackend | undefined {
    const entry = this.#entries.get(id)
    if (entry === undefined || !this.#isEligible(entry)) return undefined
    return this.#handle(entry)
  }

  targets(): BackendTarget[] {
    return [...this.#entries.values()].filter((e) => e.member).map((e) => e.target)
  }

  health(): Array<{ backendId: string; status: HealthStatus }> {
    return [...this.#entries.values()]
      .filter((e) => e.member)
      .map((e) => ({ backendId: e.target.id, status: e.health }))
  }

  stats(): BackendStats[] {
    return [...this.#entries.values()].map((e) => ({
      listenerKey: this.#listenerKey,
      backendId: e.target.id,
      serverId: e.target.serverId,
      address: e.target.address,
      port: e.target.port,
      activeConnections: e.live.size,
      ...e.counters,
    }))
  }

  /** Closes every live connection (listener stopped or deleted). */
  closeAll(): void {
    for (const entry of this.#entries.values()) {
      if (entry.drainTimer !== undefined) clearTimeout(entry.drainTimer)
      for (const conn of entry.live) conn.destroy()
      entry.live.clear()
    }
    this.#entries.clear()
    this.#picker.update([])
  }

  // A member not yet checked ('unavailable') takes traffic, so a change is in force for the very
  // next connection; only a failed check ('abnormal') takes it out, as HAProxy starts servers up.
  #isEligible(entry: Entry): boolean {
    return entry.member && entry.target.weight > 0 && entry.target.available && entry.health !== 'abnormal'
  }

  #refresh(): void {
    const eligible: BackendTarget[] = []
    for (const [id, entry] of this.#entries) {
      if (this.#isEligible(entry)) {
        if (entry.drainTimer !== undefined) {
          clearTimeout(entry.drainTimer)
          entry.drainTimer = undefined
        }
        eligible.push(entry.target)
        continue
      }
      const draining = !entry.member || entry.target.weight === 0
      if (!entry.member && entry.live.size === 0) {
        this.#entries.delete(id)
        continue
      }
      if (draining && entry.live.size > 0 && this.#drainTimeoutMs !== undefined && entry.drainTimer === undefined) {
        entry.drainTimer = setTimeout(() => {
          entry.drainTimer = undefined
          for (const conn of entry.live) conn.destroy()
        }, this.#drainTimeoutMs)
        entry.drainTimer.unref()
      }
    }
    this.#picker.update(eligible)
  }

  #handle(entry: Entry): PickedBackend {
    const picker = (): Picker<BackendTarget> => this.#picker
    return {
      target: entry.target,
      track: (conn) => {
        entry.live.add(conn)
        entry.counters.connections += 1
        picker().connected(entry.target.id)
        let done = false
        return () => {
          if (done) return
          done = true
          entry.live.delete(conn)
          picker().disconnected(entry.target.id)
          if (!entry.member && entry.live.size === 0) {
            if (entry.drainTimer !== undefined) clearTimeout(entry.drainTimer)
            this.#entries.delete(entry.target.id)
          }
        }
      },
      addBytes: (inbound, outbound) => {
        entry.counters.bytesIn += inbound
        entry.counters.bytesOut += outbound
      },
      addRequest: () => {
        entry.counters.requests += 1
      },
      addFailure: () => {
        entry.counters.failures += 1
      },
    }
  }
}
