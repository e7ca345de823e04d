/**
 * Re-runs a write transaction that PostgreSQL aborted because of a concurrent one. The whole
 * transaction runs again on fresh data, so it answers as if it had run after the other one.
 */
import { serviceIsConfiguring } from '../domain/errors.js'

export interface RetryPolicy {
  /** Runs in all, the first included. */
  readonly attempts: number
  /** After failed attempt n, a random wait of up to min(maxDelayMs, baseDelayMs * 2^(n-1)). */
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

export const WRITE_RETRIES: RetryPolicy = Object.freeze({ attempts: 10, baseDelayMs: 4, maxDelayMs: 200 })

type Conflict = 'serialization' | 'duplicate'

// SQLSTATE 40001 serialization_failure, 40P01 deadlock_detected: the transaction lost a race and
// may succeed alone. 23505 unique_violation: a concurrent commit took the key; run again, the
// transaction sees that row and answers with the contract's error (address in use, duplicate IP).
const conflictOf = (err: unknown): Conflict | undefined => {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
  if (code === '40001' || code === '40P01') return 'serialization'
  if (code === '23505') return 'duplicate'
  return undefined
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs `attempt` until it succeeds, fails for another reason, or the policy is spent. A race still
 * lost after every attempt is ServiceIsConfiguring, which Terraform retries (contract §5.6); a
 * unique violation that persists is no race but a fault, and is thrown as it is.
 */
export async function retryConflicts<T>(attempt: () => Promise<T>, policy: RetryPolicy = WRITE_RETRIES): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (err) {
      const conflict = conflictOf(err)
      if (conflict === undefined) throw err
      if (n >= policy.attempts) {
        if (conflict === 'duplicate') throw err
        throw serviceIsConfiguring()
      }
      // Full jitter: racers that collided spread out instead of colliding again.
      await pause(Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1)))
    }
  }
}
