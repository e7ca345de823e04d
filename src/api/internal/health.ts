/** GET /_openslb/health: unsigned readiness probe with a small JSON status. */
import type { Store } from '../../store/repository.js'
import type { RawResponse } from '../app.js'

export interface HealthInfo {
  readonly version: string
  readonly startedAt: number
  readonly store: Store
  readonly dialect: string
}

export async function health(info: HealthInfo, now: number): Promise<RawResponse> {
  const generation = await info.store.generation()
  return {
    status: 200,
    headers: { 'content-type': 'application/json;charset=utf-8' },
    body: JSON.stringify({
      status: 'ok',
      version: info.version,
      store: info.dialect,
      generation,
      uptimeSeconds: Math.round((now - info.startedAt) / 1000),
    }),
  }
}
