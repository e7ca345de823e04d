/**
 * Source-IP session persistence (the TCP/UDP listener's PersistenceTimeout): a client IP keeps the
 * backend it last used for `timeoutMs` after its last connection, as long as that backend may
 * still take new connections.
 */
import type { BackendPool, PickedBackend } from './backend-pool.js'

interface Binding {
  backendId: string
  /** Epoch ms after which the binding is void. */
  expires: number
}

export class SourcePersistence {
  #timeoutMs = 0
  readonly #bindings = new Map<string, Binding>()
  #sweeper: NodeJS.Timeout | undefined

  get enabled(): boolean {
    return this.#timeoutMs > 0
  }

  setTimeout(timeoutMs: number): void {
    if (timeoutMs === this.#timeoutMs) return
    this.#timeoutMs = timeoutMs
    if (timeoutMs <= 0) this.clear()
    else if (this.#sweeper !== undefined) {
      clearInterval(this.#sweeper)
      this.#sweeper = undefined
      this.#startSweeper()
    }
  }

  /** The client's bound backend if the binding is alive and the backend still eligible. */
  lookup(pool: BackendPool, sourceIp: string, now: number): PickedBackend | undefined {
    const binding = this.#bindings.get(sourceIp)
    if (binding === undefined) return undefined
    if (binding.expires < now) {
      this.#bindings.delete(sourceIp)
      return undefined
    }
    return pool.eligible(binding.backendId)
  }

  /** Records (or refreshes) the client's backend; called when a connection opens and when it ends. */
  touch(sourceIp: string, backendId: string, now: number): void {
    const binding = this.#bindings.get(sourceIp)
    if (binding === undefined) {
      this.#bindings.set(sourceIp, { backendId, expires: now + this.#timeoutMs })
      if (this.#sweeper === undefined) this.#startSweeper()
    } else {
      binding.backendId = backendId
      binding.expires = now + this.#timeoutMs
    }
  }

  clear(): void {
    this.#bindings.clear()
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper)
    this.#sweeper = undefined
  }

  // One timer for all bindings keeps the map bounded by the clients seen within a timeout.
  #startSweeper(): void {
    this.#sweeper = setInterval(() => {
      const now = Date.now()
      for (const [ip, binding] of this.#bindings) {
        if (binding.expires < now) this.#bindings.delete(ip)
      }
      if (this.#bindings.size === 0) {
        clearInterval(this.#sweeper)
        this.#sweeper = undefined
      }
    }, Math.max(this.#timeoutMs, 1000))
    this.#sweeper.unref()
  }
}
