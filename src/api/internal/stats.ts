/** GET /_openslb/stats: the data plane's per-backend counters as JSON (tests and dashboards read it). */
import type { BackendStats } from '../../dataplane/driver.js'
import type { RawResponse } from '../app.js'

export function stats(appliedGeneration: number, backends: readonly BackendStats[]): RawResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json;charset=utf-8' },
    body: JSON.stringify({ generation: appliedGeneration, backends }),
  }
}
