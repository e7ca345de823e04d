/** What every action handler receives besides its typed parameters. */
import type { Config } from '../config.js'
import type { Scope } from '../domain/scope.js'
import type { Store } from '../store/repository.js'

export interface ActionContext {
  /** The caller's account and the request's RegionId (contract §2.0). */
  readonly scope: Scope
  readonly requestId: string
  readonly store: Store
  readonly config: Config
  /** Epoch milliseconds; injectable so tests control time. */
  readonly now: () => number
  /** Accept-Language style hint for localized names (DescribeRegions, DescribeZones). */
  readonly language: 'en' | 'zh'
  /** What the data plane observes (DescribeHealthStatus); actions never reach the data plane otherwise. */
  readonly dataplane: DataplaneView
}

/** The data plane's health verdicts, read through a port so actions stay free of dataplane/ imports. */
export interface DataplaneView {
  /** listenerKey = `${loadBalancerId}/${protocol}/${port}`; backendId = memberKey(member). */
  healthStatus(listenerKey: string, backendId: string): 'normal' | 'abnormal' | 'unavailable'
}
