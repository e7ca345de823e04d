/**
 * Listener `Scheduler` values: the names the data plane implements, which of them each listener
 * protocol accepts, and the default (contract §2.3).
 */

/** Every scheduler the data plane implements, one algorithm each (DESIGN.md principle 6). */
export const SCHEDULER_NAMES = ['wrr', 'rr', 'wlc', 'sch', 'tch', 'qch'] as const
export type SchedulerName = (typeof SCHEDULER_NAMES)[number]

/** "wrr (default)" on every listener protocol (contract §2.3). */
export const DEFAULT_SCHEDULER: SchedulerName = 'wrr'

/**
 * The Scheduler values each listener protocol accepts (contract §2.3): TCP wrr|rr|sch|tch, UDP adds qch,
 * HTTP and HTTPS wrr|rr. wlc is accepted everywhere although today's META omits it: the older official
 * docs listed it for listeners and forwarding rules, and Terraform's alicloud_slb_listener validates
 * scheduler against wrr|wlc|rr|sch|tch|qch for every protocol, so configurations carrying it exist.
 */
export const SCHEDULERS_BY_PROTOCOL = {
  tcp: ['wrr', 'rr', 'wlc', 'sch', 'tch'],
  udp: ['wrr', 'rr', 'wlc', 'sch', 'tch', 'qch'],
  http: ['wrr', 'rr', 'wlc'],
  https: ['wrr', 'rr', 'wlc'],
} as const satisfies Readonly<Record<string, readonly SchedulerName[]>>

export type SchedulerProtocol = keyof typeof SCHEDULERS_BY_PROTOCOL

/** Whether `value` is a Scheduler the listener protocol accepts. */
export function isSchedulerOf(protocol: SchedulerProtocol, value: string): value is SchedulerName {
  return (SCHEDULERS_BY_PROTOCOL[protocol] as readonly string[]).includes(value)
}
