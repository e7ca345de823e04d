/**
 * The app without sockets: a fresh store (helpers/store.ts), a known key and a controllable clock, plus signed
 * V1 / V3 request builders for injecting requests straight into the pipeline.
 */
import { createHash, randomUUID } from 'node:crypto'
import { pino } from 'pino'
import { createApp, type App, type AppDeps } from '../../src/api/app.js'
import { v1Signature, v1StringToSign } from '../../src/api/auth/signature-v1.js'
import { v3CanonicalRequest, v3Signature, v3StringToSign } from '../../src/api/auth/signature-v3.js'
import type { RawRequest } from '../../src/api/protocol/decode.js'
import type { RouteTable } from '../../src/api/route.js'
import { routes } from '../../src/api/routes.js'
import { testConfig, type Config } from '../../src/config.js'
import type { KyselyStore } from '../../src/store/kysely-store.js'
import { openTestStore } from './store.js'

export const KEY_ID = 'LTAIinjectkey'
export const SECRET = 'inject-secret'
export const ACCOUNT = '1234567890123456'

export interface TestApp {
  readonly app: App
  readonly store: KyselyStore
  readonly logged: Array<Record<string, unknown>>
  /** The clock the app sees; tests may move it. */
  clock: { now: number }
}

export async function makeApp(
  t: { after(fn: () => unknown): void },
  options: { config?: Partial<Config>; routes?: RouteTable } = {},
): Promise<TestApp> {
  const store = await openTestStore(t)
  await store.ensureAccessKey({ accessKeyId: KEY_ID, secret: SECRET, accountId: ACCOUNT, status: 'Active' })
  const logged: Array<Record<string, unknown>> = []
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) },
  )
  const clock = { now: Date.now() }
  const deps: AppDeps = {
    config: testConfig(options.config),
    store,
    routes: options.routes ?? routes(),
    logger,
    now: () => clock.now,
  }
  return { app: createApp(deps), store, logged, clock }
}

export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

export interface V1Options {
  readonly method?: 'GET' | 'POST'
  /** Where parameters travel for POST: the form body (pop-core) or the query with an empty body (Go SDK). */
  readonly placement?: 'body' | 'query'
  readonly secret?: string
  readonly keyId?: string
  readonly timestamp?: string
  readonly nonce?: string
  readonly omit?: readonly string[]
}

/** A V1-signed request for `params` (Action and Version included by the caller). */
export function signedV1(params: Record<string, string>, o: V1Options = {}): RawRequest {
  const method = o.method ?? 'GET'
  const all: Record<string, string> = {
    Format: 'JSON',
    AccessKeyId: o.keyId ?? KEY_ID,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: o.nonce ?? randomUUID(),
    Timestamp: o.timestamp ?? isoSeconds(Date.now()),
    ...params,
  }
  for (const name of o.omit ?? []) delete all[name]
  const signature = v1Signature(o.secret ?? SECRET, v1StringToSign(method, Object.entries(all)))
  const encoded = new URLSearchParams({ ...all, Signature: signature }).toString()
  if (method === 'POST' && (o.placement ?? 'body') === 'body') {
    return {
      method,
      url: '/',
      headers: { host: '127.0.0.1:9515', 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(encoded),
    }
  }
  return { method, url: `/?${encoded}`, headers: { host: '127.0.0.1:9515' }, body: Buffer.alloc(0) }
}

export interface V3Options {
  readonly action: string
  readonly version: string
  readonly query?: Record<string, string>
  readonly body?: string
  readonly secret?: string
  readonly date?: string
  readonly nonce?: string
  /** Overrides the declared x-acs-content-sha256 (to test a body that does not match it). */
  readonly payloadHash?: string
}

/** A V3 (ACS3-HMAC-SHA256) request as Darabonba sends it: POST /, Action and Version in headers. */
export function signedV3(o: V3Options): RawRequest {
  const body = Buffer.from(o.body ?? '')
  const rawQuery = new URLSearchParams(o.query ?? {}).toString().replace(/\+/g, '%20')
  const headers: Record<string, string> = {
    host: '127.0.0.1:9515',
    'x-acs-action': o.action,
    'x-acs-version': o.version,
    'x-acs-date': o.date ?? isoSeconds(Date.now()),
    'x-acs-signature-nonce': o.nonce ?? randomUUID().replace(/-/g, ''),
    'x-acs-content-sha256': o.payloadHash ?? createHash('sha256').update(body).digest('hex'),
    accept: 'application/json',
  }
  if (body.length > 0) headers['content-type'] = 'application/x-www-form-urlencoded'
  const signed = Object.keys(headers)
    .filter((h) => h === 'host' || h === 'content-type' || h.startsWith('x-acs-'))
    .sort()
  const canonical = v3CanonicalRequest(
    { method: 'POST', path: '/', rawQuery, headers, payloadHash: headers['x-acs-content-sha256']! },
    signed,
  )
  const signature = v3Signature(o.secret ?? SECRET, v3StringToSign(canonical))
  headers['authorization'] = `ACS3-HMAC-SHA256 Credential=${KEY_ID},SignedHeaders=${signed.join(';')},Signature=${signature}`
  return { method: 'POST', url: rawQuery === '' ? '/' : `/?${rawQuery}`, headers, body }
}

export const SLB_ACTION = (action: string, params: Record<string, string> = {}): Record<string, string> => ({
  Action: action,
  Version: '2014-05-15',
  ...params,
})

export const json = (body: string): Record<string, any> => JSON.parse(body) as Record<string, any>
