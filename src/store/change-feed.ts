/**
 * Commits made through other nodes, delivered to this node's data plane: a notification (or, as a
 * safety net, a periodic poll) makes the feed read the change log past the last generation it
 * delivered, so a lost notification or a dropped connection delays a change but never loses it
 * (DESIGN.md "Scale-out"). This node's own commits reach its reconciler in-process and are skipped.
 */
import type { Logger } from 'pino'
import type { Subscription } from './postgres.js'
import type { DataplaneChange } from './touched.js'

export interface ChangeRow {
  readonly generation: number
  /** Undefined: the commit changed nothing the data plane forwards. */
  readonly change: DataplaneChange | undefined
}

export interface ChangeSource {
  subscribe(onNotify: () => void, onLost: (err: Error) => void): Promise<Subscription>
  /** Up to `limit` rows after `cursor` in generation order, and the oldest generation still kept. */
  changesSince(cursor: number, limit: number): Promise<{ rows: ChangeRow[]; oldest: number | undefined }>
}

export interface ChangeFeedOptions {
  /** How often the log is read without a notification (a notification lost silently waits this long). */
  readonly pollMs?: number
  /** Rows read per pass; a node further behind rereads everything instead. */
  readonly batch?: number
  readonly maxBackoffMs?: number
}

export interface FeedState {
  readonly connected: boolean
  /** The last generation delivered (or covered by the start-up read). */
  readonly generation: number
}

type Deliver = (generation: number, change: DataplaneChange) => void

export class ChangeFeed {
  readonly #source: ChangeSource
  readonly #deliver: Deliver
  readonly #logger: Logger
  readonly #pollMs: number
  readonly #batch: number
  readonly #maxBackoffMs: number
  /** Generations this node committed; its reconciler already has them. */
  readonly #local = new Set<number>()
  #cursor = -1
  #subscription: Subscription | undefined
  #connected = false
  #reading: Promise<void> | undefined
  #again = false
  #failing = false
  #closed = false
  #poll: NodeJS.Timeout | undefined
  #retry: NodeJS.Timeout | undefined

  constructor(source: ChangeSource, deliver: Deliver, logger: Logger, options: ChangeFeedOptions = {}) {
    this.#source = source
    this.#deliver = deliver
    this.#logger = logger
    this.#pollMs = options.pollMs ?? 2_000
    this.#batch = options.batch ?? 1_000
    this.#maxBackoffMs = options.maxBackoffMs ?? 5_000
  }

  get state(): FeedState {
    return { connected: this.#connected, generation: this.#cursor }
  }

  /**
   * Listens first, then lets `initialRead` apply the whole state and return its generation: a commit
   * after that read is in the log past it, so nothing falls between the read and the feed.
   */
  async start(initialRead: () => Promise<number>): Promise<void> {
    this.#subscription = await this.#source.subscribe(() => this.#read(), (err) => this.#lost(err))
    this.#connected = true
    this.#cursor = await initialRead()
    this.#poll = setInterval(() => this.#read(), this.#pollMs)
    this.#poll.unref()
    this.#read()
  }

  /** This node committed `generation` and told its reconciler itself. */
  local(generation: number): void {
    if (generation > this.#cursor) this.#local.add(generation)
  }

  /** Reads the log now (coalesced: a read in progress is followed by one more). */
  #read(): void {
    if (this.#closed || this.#cursor < 0) return
    if (this.#reading !== undefined) {
      this.#again = true
      return
    }
    this.#reading = this.#catchUp().finally(() => {
      this.#reading = undefined
      if (this.#again) {
        this.#again = false
        this.#read()
      }
    })
  }

  async #catchUp(): Promise<void> {
    try {
      for (;;) {
        const { rows, oldest } = await this.#source.changesSince(this.#cursor, this.#batch)
        if (this.#closed || rows.length === 0) break
        const head = rows[rows.length - 1]!.generation
        // Rows this node never saw were pruned, or there are too many to merge: reread everything.
        const behind = rows.length === this.#batch || (oldest !== undefined && oldest > this.#cursor + 1)
        let all = behind
        const ids = new Set<string>()
        for (const row of rows) {
          if (this.#local.delete(row.generation) || row.change === undefined || all) continue
          if (row.change === 'all') all = true
          else for (const id of row.change) ids.add(id)
        }
        const change: DataplaneChange | undefined = all ? 'all' : ids.size > 0 ? ids : undefined
        this.#cursor = head
        for (const g of this.#local) if (g <= head) this.#local.delete(g)
        if (change !== undefined) this.#deliver(head, change)
        if (!behind) break
      }
      if (this.#failing) this.#logger.info({ generation: this.#cursor }, 'change feed reading again')
      this.#failing = false
    } catch (err) {
      // The next notification or poll tries again; the data plane keeps its last applied state.
      if (!this.#failing) this.#logger.warn({ err }, 'change feed cannot read the change log')
      this.#failing = true
    }
  }

  // A source calls onLost at most once per subscription, and only for one that resolved; so one
  // reconnecting chain runs at a time.
  #lost(err: Error): void {
    this.#subscription = undefined
    this.#connected = false
    if (this.#closed) return
    this.#logger.warn({ err }, 'change feed connection lost; reconnecting')
    this.#resubscribe(250)
  }

  #resubscribe(delayMs: number): void {
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      this.#source.subscribe(() => this.#read(), (err) => this.#lost(err)).then(
        (subscription) => {
          if (this.#closed) {
            void subscription.close()
            return
          }
          this.#subscription = subscription
          this.#connected = true
          this.#logger.info('change feed connected again; catching up')
          this.#read()
        },
        () => {
          if (!this.#closed) this.#resubscribe(Math.min(delayMs * 2, this.#maxBackoffMs))
        },
      )
    }, delayMs)
    this.#retry.unref()
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#poll)
    clearTimeout(this.#retry)
    await this.#subscription?.close()
    this.#subscription = undefined
    await this.#reading
  }
}
