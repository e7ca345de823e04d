/**
 * The shape every builtin listener (TCP, UDP, HTTP) has, so the driver can start, update and stop
 * them alike, and the seam through which the driver plugs active health checks into a listener.
 */
import { BackendPool } from './backend-pool.js'
import type { ListenerSpec } from '../snapshot.js'

/** A running health check for one listener; the driver decides what runs behind it. */
export interface HealthMonitor {
  /** New health-check attributes or members (a spec without healthCheck stops probing). */
  update(spec: ListenerSpec): void
  stop(): void
}

/** What a listener gets from the driver. */
export interface ListenerDeps {
  /**
   * Starts active health checks for the listener's pool once it is bound; results reach the pool
   * through `pool.setHealth`. The listener forwards its updates and stops it with itself.
   */
  startHealth(spec: ListenerSpec, pool: BackendPool): HealthMonitor
}

export interface RunningListener {
  readonly pool: BackendPool
  /** Binds spec.address:spec.port; rejects (with the socket closed) when it cannot. */
  start(): Promise<void>
  /**
   * Takes a new spec with the same key, address, port and protocol (the driver rebinds otherwise);
   * new connections see it as soon as this returns.
   */
  update(spec: ListenerSpec): void
  /** Stops accepting, closes established connections and the health check. */
  stop(): Promise<void>
}

export type ListenerFactory = (spec: ListenerSpec, deps: ListenerDeps) => RunningListener

/** A health seam that probes nothing: every member stays as the pool starts it. */
export const noHealthChecks: ListenerDeps['startHealth'] = () => ({ update() {}, stop() {} })

/** The pool a listener starts with. */
export function createPool(spec: ListenerSpec): BackendPool {
  const pool = new BackendPool(spec.key, spec.scheduler, spec.drainTimeoutMs, spec.healthCheck !== undefined)
  pool.update(spec.backends, poolOptions(spec))
  return pool
}

/** Hands a new spec's members, scheduler, drain timeout and health-check switch to the pool. */
export function updatePool(pool: BackendPool, spec: ListenerSpec): void {
  pool.update(spec.backends, poolOptions(spec))
}

function poolOptions(spec: ListenerSpec): Parameters<BackendPool['update']>[1] {
  return { scheduler: spec.scheduler, drainTimeoutMs: spec.drainTimeoutMs, checked: spec.healthCheck !== undefined }
}
