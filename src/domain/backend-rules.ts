/**
 * Rules for backend-server calls that hold whatever the group: the per-call limit, the
 * per-load-balancer quota, first-wins de-duplication, and the default type of a ServerId.
 */
import { backendServerQuota, tooManyBackendServers } from './errors.js'
import type { BackendServerType } from './model.js'

/** Default weight of a member added without one (contract §2.1). */
export const DEFAULT_WEIGHT = 100

export function checkBatchSize(count: number, maxPerCall: number): void {
  if (count > maxPerCall) throw tooManyBackendServers(maxPerCall)
}

/** `existing` memberships of the load balancer plus `adding` may not exceed the quota (contract §6). */
export function checkQuota(existing: number, adding: number, quota: number): void {
  if (existing + adding > quota) throw backendServerQuota()
}

/**
 * Keeps the first item of each identity: "only the first ECS instance is added. The other ECS
 * instances are ignored" (contract §2.1).
 */
export function firstOfEach<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>()
  const out: T[] = []
  for (const item of items) {
    const k = key(item)
    if (seen.has(k)) continue
    seen.add(k)
    out.push(item)
  }
  return out
}

/** A member without Type is an ECS instance (contract §2.1), unless its ID says it is an ENI or ECI. */
export function typeOf(serverId: string, given: BackendServerType | undefined): BackendServerType {
  if (given !== undefined) return given
  if (serverId.startsWith('eni-')) return 'eni'
  if (serverId.startsWith('eci-')) return 'eci'
  return 'ecs'
}
