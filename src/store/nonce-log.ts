/**
 * Nonce replay protection with group commit: every claim is durable before its request is
 * answered, but claims that arrive together share one transaction (one WAL commit instead of one
 * per request). Claims are also remembered in memory, so a replay within this process is refused
 * without touching the database.
 */
import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

interface Claim {
  readonly accessKeyId: string
  readonly nonce: string
  readonly expiresAt: number
  readonly resolve: (fresh: boolean) => void
  readonly reject: (err: unknown) => void
}

// Beyond this many remembered nonces the oldest are forgotten; the database still refuses them.
const MEMORY_LIMIT = 200_000

// Rows per statement: SQLite allows a few thousand bound parameters, three per row here.
const CHUNK = 500

// The nonces column is varchar(256), which PostgreSQL enforces; a client may send any length.
const MAX_STORED = 256
const stored = (nonce: string): string =>
  nonce.length <= MAX_STORED ? nonce : `sha256:${createHash('sha256').update(nonce).digest('hex')}`

export class NonceLog {
  readonly #db: Kysely<Database>
  readonly #seen = new Map<string, number>()
  #pending: Claim[] = []
  #scheduled = false

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  /** Resolves true when the nonce is new for this key (now recorded), false for a replay. */
  claim(accessKeyId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const key = `${accessKeyId}\n${nonce}`
    const known = this.#seen.get(key)
    if (known !== undefined && known >= Date.now()) return Promise.resolve(false)
    this.#remember(key, expiresAt)
    return new Promise((resolve, reject) => {
      this.#pending.push({ accessKeyId, nonce, expiresAt, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => void this.#flush())
      }
    })
  }

  async purge(now: number): Promise<void> {
    for (const [key, expiresAt] of this.#seen) if (expiresAt < now) this.#seen.delete(key)
    await this.#db.deleteFrom('nonces').where('expires_at', '<', now).execute()
  }

  #remember(key: string, expiresAt: number): void {
    if (this.#seen.size >= MEMORY_LIMIT) this.#seen.delete(this.#seen.keys().next().value as string)
    this.#seen.set(key, expiresAt)
  }

  async #flush(): Promise<void> {
    const batch = this.#pending
    this.#pending = []
    this.#scheduled = false
    try {
      // One statement per chunk, atomic on its own (no BEGIN/COMMIT round trips on PostgreSQL): the
      // rows it returns are the claims that were new. A batch never holds one nonce twice, since
      // claim() refuses what it remembers before queueing.
      const fresh = new Set<string>()
      for (let i = 0; i < batch.length; i += CHUNK) {
        const rows = await this.#db
          .insertInto('nonces')
          .values(
            batch
              .slice(i, i + CHUNK)
              .map((c) => ({ access_key_id: c.accessKeyId, nonce: stored(c.nonce), expires_at: c.expiresAt })),
          )
          .onConflict((oc) => oc.columns(['access_key_id', 'nonce']).doNothing())
          .returning(['access_key_id', 'nonce'])
          .execute()
        for (const r of rows) fresh.add(`${r.access_key_id}\n${r.nonce}`)
      }
      for (const c of batch) c.resolve(fresh.has(`${c.accessKeyId}\n${stored(c.nonce)}`))
    } catch (err) {
      // Not recorded, so not remembered either: the client may retry with the same nonce. (A chunk
      // written before the failure keeps its nonces: those clients must use new ones, as they do.)
      for (const c of batch) this.#seen.delete(`${c.accessKeyId}\n${c.nonce}`)
      for (const c of batch) c.reject(err)
    }
  }
}
