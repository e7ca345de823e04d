/**
 * The boundary between the reconciler and whatever moves packets: the builtin Node driver today,
 * HAProxy later. A driver converges on each snapshot it is given and reports what it observes.
 */
import type { DataplaneSnapshot } from './snapshot.js'

export type HealthStatus = 'normal' | 'abnormal' | 'unavailable'

export interface BackendHealth {
  readonly listenerKey: string
  readonly backendId: string
  readonly status: HealthStatus
}

export interface BackendStats {
  readonly listenerKey: string
  readonly backendId: string
  readonly serverId: string
  readonly address: string
  readonly port: number
  /** Connections (TCP/HTTP) or flows (UDP) opened to the backend since it appeared. */
  readonly connections: number
  readonly activeConnections: number
  /** HTTP requests forwarded (0 for TCP/UDP). */
  readonly requests: number
  readonly bytesIn: number
  readonly bytesOut: number
  readonly failures: number
}

export interface Driver {
  /**
   * Makes the running state match the snapshot; resolves once new connections see it. Listeners
   * that fail to bind are reported in the result, never thrown.
   */
  apply(snapshot: DataplaneSnapshot): Promise<ApplyResult>
  health(): readonly BackendHealth[]
  stats(): readonly BackendStats[]
  close(): Promise<void>
}

export interface ApplyResult {
  readonly generation: number
  readonly failed: ReadonlyArray<{ readonly listenerKey: string; readonly error: string }>
}
