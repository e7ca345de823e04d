/**
 * Converges the data plane on the store: on each relevant commit it reads the rows, builds the
 * snapshot (a pure function) and hands it to the driver. Rebuilds coalesce — a burst of commits
 * costs one rebuild — and `settle(g)` resolves once a snapshot at generation g or later is applied,
 * which is how a mutating call returns only after its change is in force (DESIGN.md "Consistency").
 */
import type { Logger } from 'pino'
import type { DataplaneRows } from '../store/repository.js'
import type { DataplaneChange } from '../store/touched.js'
import { buildSnapshot } from './desired-state.js'
import type { Driver } from './driver.js'
import type { DataplaneSnapshot } from './snapshot.js'

export interface DataplaneSource {
  readDataplane(only?: ReadonlySet<string>): Promise<DataplaneRows>
}

const MAX_PARTIAL = 500
const RETRY_FIRST_MS = 200
const RETRY_MAX_MS = 2_000

interface Waiter {
  readonly generation: number
  readonly resolve: () => void
}

export class Reconciler {
  readonly #source: DataplaneSource
  readonly #driver: Driver
  readonly #logger: Logger
  #wanted = 0
  #applied = -1
  #running: Promise<void> | undefined
  #waiters: Waiter[] = []
  #last: DataplaneSnapshot | undefined
  #closed = false
  /** Rebuilds failed in a row (the database is unreachable, say). */
  #failures = 0
  /** Load balancers to reread since the last pass, or 'all'. */
  #dirty: Set<string> | 'all' = 'all'

  constructor(source: DataplaneSource, driver: Driver, logger: Logger) {
    this.#source = source
    this.#driver = driver
    this.#logger = logger
  }

  /** The generation of the snapshot the driver runs now (-1 before the first). */
  get appliedGeneration(): number {
    return this.#applied
  }

  get snapshot(): DataplaneSnapshot | undefined {
    return this.#last
  }

  /** Applies the current state (start-up: listeners that were running come back). */
  async start(): Promise<void> {
    this.notify(0, 'all')
    await this.#running
  }

  /** A commit at `generation` changed what the data plane should do for these load balancers. */
  notify(generation: number, change: DataplaneChange): void {
    if (this.#closed) return
    this.#dirty = merge(this.#dirty, change === 'all' ? 'all' : new Set(change))
    if (generation > this.#wanted) this.#wanted = generation
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined
      // A notify that arrived during the last pass may need another one.
      if (this.#pending() && !this.#closed) this.notify(this.#wanted, new Set())
    })
  }

  /** Resolves once a snapshot built at `generation` or later is applied. */
  settle(generation: number): Promise<void> {
    if (this.#applied >= generation || this.#closed) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ generation, resolve }))
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#running
    for (const w of this.#waiters) w.resolve()
    this.#waiters = []
  }

  async #loop(): Promise<void> {
    while (!this.#closed && this.#pending()) {
      // Commits up to `target` are covered by this pass; their load balancers are in `dirty`.
      const target = this.#wanted
      // Past a few hundred load balancers one full read is cheaper than the id list (and fits a statement).
      const dirty = this.#last === undefined || (this.#dirty !== 'all' && this.#dirty.size > MAX_PARTIAL) ? 'all' : this.#dirty
      this.#dirty = new Set()
      try {
        if (dirty === 'all') {
          const rows = await this.#source.readDataplane()
          await this.#apply(buildSnapshot(rows))
          // One transaction at rows.generation: every commit up to it is in force now.
          this.#applied = Math.max(this.#applied, target, rows.generation)
        } else {
          if (dirty.size > 0) {
            const rows = await this.#source.readDataplane(dirty)
            const fresh = buildSnapshot(rows)
            // Untouched load balancers keep their spec objects: the driver's diff is an identity check.
            const kept = this.#last!.listeners.filter((l) => !dirty.has(l.loadBalancerId))
            await this.#apply({ generation: rows.generation, listeners: [...kept, ...fresh.listeners] })
          }
          // Not rows.generation: a commit after `target` may be in the rows but its other load
          // balancers are not, so it waits for the next pass.
          this.#applied = Math.max(this.#applied, target)
        }
      } catch (err) {
        this.#dirty = merge(this.#dirty, dirty)
        // The API already answered for the commit (or the database is away): keep forwarding with
        // the last applied state and retry, backing off, logging once per run of failures.
        if (this.#failures === 0) this.#logger.error({ err }, 'data plane rebuild failed; retrying')
        this.#failures += 1
        await new Promise((r) => setTimeout(r, Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.#failures - 1))).unref())
        continue
      }
      if (this.#failures > 0) this.#logger.info({ failures: this.#failures }, 'data plane rebuilt again')
      this.#failures = 0
      this.#release()
    }
    this.#release()
  }

  /**
   * A pass is due for a newer generation, or for load balancers another node changed: its commit
   * may carry a generation this node already passed (committed before this node's own, seen after).
   */
  #pending(): boolean {
    return this.#wanted > this.#applied || this.#dirty === 'all' || this.#dirty.size > 0
  }

  async #apply(snapshot: DataplaneSnapshot): Promise<void> {
    const result = await this.#driver.apply(snapshot)
    for (const failure of result.failed) {
      this.#logger.error({ listener: failure.listenerKey, error: failure.error }, 'listener could not be applied')
    }
    this.#last = snapshot
  }

  #release(): void {
    const pending: Waiter[] = []
    for (const w of this.#waiters) {
      if (this.#applied >= w.generation || this.#closed) w.resolve()
      else pending.push(w)
    }
    this.#waiters = pending
  }
}

const merge = (a: Set<string> | 'all', b: Set<string> | 'all'): Set<string> | 'all' =>
  a === 'all' || b === 'all' ? 'all' : new Set([...a, ...b])
