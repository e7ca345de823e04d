/**
 * The server's configuration: parsed once from flags and environment, validated, frozen. Every
 * default is the embedded one a fresh `openslb serve` runs with.
 */
import { parseArgs } from 'node:util'
import { parsePool, type Ipv4Pool } from './domain/ipv4.js'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/** What a node does: answer API calls, forward traffic, or both (issue 7; DESIGN.md "Scale-out"). */
export type Role = 'all' | 'api' | 'dataplane'

const ROLES: readonly Role[] = ['all', 'api', 'dataplane']

export interface Quotas {
  /** CLB instances per account (contract §6: 30 in 2021, 60 on help.aliyun.com). */
  readonly loadBalancersPerAccount: number
  /** Tags one resource may carry. */
  readonly tagsPerResource: number
  /** Backend server memberships per load balancer, over all its server groups (contract §6). */
  readonly backendServersPerLoadBalancer: number
  /**
   * Listeners per load balancer (contract §6: `listeners-per-slb`, 50). Optional so Quotas literals
   * written before it existed still type-check; absent means 50.
   */
  readonly listenersPerLoadBalancer?: number
}

export interface Config {
  readonly listen: { readonly host: string; readonly port: number }
  /** Where SQLite and the credentials file live; undefined keeps everything in memory (tests). */
  readonly dataDir: string | undefined
  /** A postgres:// URL to keep the state in PostgreSQL; undefined keeps it in SQLite under dataDir. */
  readonly store: string | undefined
  /** Addresses handed to load balancers (loopback by default, which Linux binds without set-up). */
  readonly addressPool: Ipv4Pool
  /** Private addresses handed to ECS instances and ENIs created without one. */
  readonly instancePool: Ipv4Pool
  readonly logLevel: LogLevel
  readonly maxBodyBytes: number
  /** Accepted clock skew for Timestamp / x-acs-date, and how long a nonce is remembered. */
  readonly timestampWindowMs: number
  readonly quotas: Quotas
  /**
   * Backend servers accepted in one call. The docs say 20, but the CCM sends up to 40 (contract
   * §0.3), so 40 is the default.
   */
  readonly maxBackendsPerCall: number
  readonly role: Role
  /**
   * How often a data plane on PostgreSQL reads the change log without a notification: the longest
   * a change from another node waits if its notification was lost (OPENSLB_FEED_POLL_MS).
   */
  readonly feedPollMs: number
}

export const DEFAULTS: Config = Object.freeze({
  listen: Object.freeze({ host: '127.0.0.1', port: 9515 }),
  dataDir: '.openslb',
  store: undefined,
  addressPool: parsePool('127.1.0.0/16'),
  instancePool: parsePool('127.2.0.0/16'),
  logLevel: 'info',
  maxBodyBytes: 1024 * 1024,
  timestampWindowMs: 15 * 60 * 1000,
  quotas: Object.freeze({
    loadBalancersPerAccount: 60,
    tagsPerResource: 20,
    backendServersPerLoadBalancer: 200,
    listenersPerLoadBalancer: 50,
  }),
  maxBackendsPerCall: 40,
  role: 'all',
  feedPollMs: 2_000,
})

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

export function parseListen(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':')
  const host = colon < 0 ? DEFAULTS.listen.host : text.slice(0, colon).replace(/^\[|\]$/g, '')
  const port = Number(colon < 0 ? text : text.slice(colon + 1))
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`invalid --listen: ${text}`)
  return { host: host === '' ? DEFAULTS.listen.host : host, port }
}

const pool = (flag: string, text: string): Ipv4Pool => {
  try {
    return parsePool(text)
  } catch {
    throw new ConfigError(`invalid ${flag}: ${text} (expected an IPv4 CIDR block such as 127.1.0.0/16)`)
  }
}

// `sqlite` (or nothing) is the embedded default; anything else must be a PostgreSQL URL.
const storeUrl = (text: string | undefined): string | undefined => {
  if (text === undefined || text === '' || text === 'sqlite') return undefined
  if (!/^postgres(ql)?:\/\/./i.test(text)) {
    throw new ConfigError('invalid --store: expected sqlite or postgres://user:password@host:port/database')
  }
  return text
}

const positiveInt = (flag: string, text: string): number => {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`invalid ${flag}: ${text}`)
  return n
}

/** Builds a Config from `openslb serve` flags and the environment; unknown flags are an error. */
export function configFromArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Config {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      listen: { type: 'string' },
      'data-dir': { type: 'string' },
      store: { type: 'string' },
      'address-pool': { type: 'string' },
      'instance-pool': { type: 'string' },
      'log-level': { type: 'string' },
      'quota-load-balancers': { type: 'string' },
      'quota-backend-servers': { type: 'string' },
      'max-backends-per-call': { type: 'string' },
      role: { type: 'string' },
    },
  })
  const logLevel = (values['log-level'] ?? env['OPENSLB_LOG_LEVEL'] ?? DEFAULTS.logLevel) as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`invalid --log-level: ${logLevel}`)
  const listen = values.listen ?? env['OPENSLB_LISTEN']
  const addressPool = values['address-pool'] ?? env['OPENSLB_ADDRESS_POOL']
  const instancePool = values['instance-pool'] ?? env['OPENSLB_INSTANCE_POOL']
  const lbQuota = values['quota-load-balancers']
  const backendQuota = values['quota-backend-servers']
  const perCall = values['max-backends-per-call']
  const pollMs = env['OPENSLB_FEED_POLL_MS']
  const role = (values.role ?? env['OPENSLB_ROLE'] ?? DEFAULTS.role) as Role
  if (!ROLES.includes(role)) throw new ConfigError(`invalid --role: ${role} (expected all, api or dataplane)`)
  return Object.freeze({
    ...DEFAULTS,
    listen: Object.freeze(listen === undefined ? DEFAULTS.listen : parseListen(listen)),
    dataDir: values['data-dir'] ?? env['OPENSLB_DATA_DIR'] ?? DEFAULTS.dataDir,
    store: storeUrl(values.store ?? env['OPENSLB_STORE']),
    addressPool: addressPool === undefined ? DEFAULTS.addressPool : pool('--address-pool', addressPool),
    instancePool: instancePool === undefined ? DEFAULTS.instancePool : pool('--instance-pool', instancePool),
    logLevel,
    quotas: Object.freeze({
      ...DEFAULTS.quotas,
      ...(lbQuota === undefined ? {} : { loadBalancersPerAccount: positiveInt('--quota-load-balancers', lbQuota) }),
      ...(backendQuota === undefined
        ? {}
        : { backendServersPerLoadBalancer: positiveInt('--quota-backend-servers', backendQuota) }),
    }),
    maxBackendsPerCall: perCall === undefined ? DEFAULTS.maxBackendsPerCall : positiveInt('--max-backends-per-call', perCall),
    role,
    feedPollMs: pollMs === undefined ? DEFAULTS.feedPollMs : positiveInt('OPENSLB_FEED_POLL_MS', pollMs),
  })
}

/** A Config for tests and embedding: the defaults with overrides, in memory unless a dataDir is given. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return Object.freeze({ ...DEFAULTS, dataDir: undefined, logLevel: 'silent', ...overrides })
}
