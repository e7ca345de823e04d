/**
 * Converges the data plane on the store: on each relevant commit it reads the rows, builds the
 * snapshot (a pure function) and hands it to the driver. Rebuilds coalesce — a burst of commits
 * costs one rebuild — and `settle(g)` resolves once a snapshot at generation g or later is applied,
 * which is how a mutating call returns only after its change is in force (DESIGN.md "Consistency").
 */
import type { Logger } from 'pino'
import type { DataplaneRows } from '../store/repository.js'
import { buildSnapshot } from './desired-state.js'
import type { Driver } from './driver.js'
import type { DataplaneSnapshot } from './snapshot.js'

export interface DataplaneSource {
  readDataplane(): Promise<DataplaneRows>
}

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
    this.notify(0)
    await this.#running
  }

  /** A commit at `generation` may change what the data plane should do. */
  notify(generation: number): void {
    if (this.#closed) return
    if (generation > this.#wanted) this.#wanted = generation
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined
      // A notify that arrived during the last pass may need another one.
      if (this.#wanted > this.#applied && !this.#closed) this.notify(this.#wanted)
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
    while (!this.#closed && this.#wanted > this.#applied) {
      try {
        const rows = await this.#source.readDataplane()
        const snapshot = buildSnapshot(rows)
        const result = await this.#driver.apply(snapshot)
        for (const failure of result.failed) {
          this.#logger.error({ listener: failure.listenerKey, error: failure.error }, 'listener could not be applied')
        }
        this.#last = snapshot
        // The rows were read in one transaction at rows.generation: every commit up to it is in
        // force now; later ones are covered by the next pass.
        this.#applied = Math.max(this.#applied, rows.generation)
      } catch (err) {
        // The API already answered for the commit; keep the last applied state and retry shortly.
        this.#logger.error({ err }, 'data plane rebuild failed')
        await new Promise((r) => setTimeout(r, 200).unref())
        continue
      }
      this.#release()
    }
    this.#release()
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
