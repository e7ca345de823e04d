/**
 * The scheduler interface every balancing algorithm implements (DESIGN.md principle 6): one
 * algorithm per file, each tested by counting picks. A picker only ever sees the backends that
 * may take new traffic: weight 0 (drain), unhealthy or unavailable members are left out by the
 * caller before `update`.
 */
import type { SchedulerName } from '../../domain/schedulers.js'

export type { SchedulerName }

export interface PickerBackend {
  /** Stable identity across updates (a member key). */
  readonly id: string
  /** 1–100 (weight 0 never reaches a picker). */
  readonly weight: number
}

/** What a hashing scheduler may key on; each field is optional, the scheduler says which it uses. */
export interface PickContext {
  readonly sourceIp?: string
  readonly sourcePort?: number
  readonly destinationIp?: string
  readonly destinationPort?: number
  /** QUIC connection ID for qch (UDP). */
  readonly connectionId?: Uint8Array
}

export interface Picker<B extends PickerBackend = PickerBackend> {
  /**
   * Replaces the set of eligible backends. State of backends that stay (smooth WRR's current
   * weights, connection counts) is kept, so an update never resets the rotation. The array is
   * copied; see `eligible` for what a picker does with weight ≤ 0 and repeated ids.
   */
  update(backends: readonly B[]): void
  /** The backend for a new connection or request, or undefined when none is eligible. */
  pick(ctx: PickContext): B | undefined
  /**
   * Connection accounting for schedulers that use it (wlc); others ignore it. Call `connected(id)`
   * right after the `pick` that the connection commits to (before the next pick, so a burst spreads),
   * and `disconnected(id)` exactly once when that connection ends, whether or not the backend is
   * still a member then.
   */
  connected(id: string): void
  disconnected(id: string): void
}

/**
 * The members a picker schedules over: weight 0 (drain) and invalid weights never take new
 * connections even if a caller lets them through, and a repeated id keeps its first occurrence.
 */
export function eligible<B extends PickerBackend>(backends: readonly B[]): B[] {
  const seen = new Set<string>()
  const out: B[] = []
  for (const b of backends) {
    if (!(b.weight > 0) || !Number.isFinite(b.weight) || seen.has(b.id)) continue
    seen.add(b.id)
    out.push(b)
  }
  return out
}
