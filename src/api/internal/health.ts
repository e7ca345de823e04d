/**
 * GET /_openslb/health: unsigned readiness probe with a small JSON status — 200 while the store
 * answers, 503 while it does not (a data plane then keeps forwarding its last applied state).
 */
import type { FeedState } from '../../store/change-feed.js'
import type { Store } from '../../store/repository.js'
import type { RawResponse } from '../app.js'

export interface HealthInfo {
  readonly version: string
  readonly startedAt: number
  readonly store: Store
  readonly dialect: string
  readonly role: string
  /** The generation the data plane runs; undefined on an API-only node. */
  readonly appliedGeneration: number | undefined
  /** Other nodes' commits (PostgreSQL); undefined on SQLite or an API-only node. */
  readonly feed: FeedState | undefined
}

export async function health(info: HealthInfo, now: number): Promise<RawResponse> {
  const generation = await info.store.generation().catch(() => undefined)
  return {
    status: generation === undefined ? 503 : 200,
    headers: { 'content-type': 'application/json;charset=utf-8' },
    body: JSON.stringify({
      status: generation === undefined ? 'store unreachable' : 'ok',
      version: info.version,
      role: info.role,
      store: info.dialect,
      generation,
      appliedGeneration: info.appliedGeneration,
      feed: info.feed,
      uptimeSeconds: Math.round((now - info.startedAt) / 1000),
    }),
  }
}
