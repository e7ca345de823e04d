/**
 * Builds V1-signed RPC query strings (contract §3.1, §3.3) with the project's own signer, for the
 * benchmark's set-up calls and its load generator alike.
 */
import { randomUUID } from 'node:crypto'
import { request, type Agent } from 'node:http'
import { percentEncode, v1Signature, v1StringToSign } from '../../src/api/auth/signature-v1.js'

export interface AccessKey {
  readonly accessKeyId: string
  readonly accessKeySecret: string
}

/** One action's parameters; values may hold `{n}` (a request counter) or `{n%M}` (the counter mod M). */
export interface RequestTemplate {
  readonly action: string
  readonly version: string
  readonly params: Readonly<Record<string, string>>
}

const COUNTER = /\{n(?:%(\d+))?\}/g

/** Substitutes the counter into a template's values. */
export function fillTemplate(params: Readonly<Record<string, string>>, n: number): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(params)) {
    out[key] = value.includes('{')
      ? value.replace(COUNTER, (_, mod?: string) => String(mod ? n % Number(mod) : n))
      : value
  }
  return out
}

let stampSecond = -1
let stampText = ''

// Timestamp is second-precision UTC; formatting it once per second keeps the generator cheap.
function timestamp(): string {
  const second = Math.floor(Date.now() / 1000)
  if (second !== stampSecond) {
    stampSecond = second
    stampText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }
  return stampText
}

/** `?…&Signature=…` for a GET with a fresh SignatureNonce and the current Timestamp. */
export function signedQuery(key: AccessKey, action: string, version: string, params: Record<string, string>): string {
  const all: Record<string, string> = {
    Format: 'JSON',
    Version: version,
    AccessKeyId: key.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: timestamp(),
    Action: action,
    ...params,
  }
  const entries = Object.entries(all)
  const signature = v1Signature(key.accessKeySecret, v1StringToSign('GET', entries))
  entries.push(['Signature', signature])
  return '?' + entries.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')
}

export interface CallResult {
  readonly status: number
  readonly body: Record<string, unknown>
}

/** One GET whose body must be JSON (on a fresh connection unless an agent is given); `label` names it in errors. */
export function getJson(
  base: { readonly host: string; readonly port: number; readonly agent?: Agent },
  path: string,
  label: string,
): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const req = request({ ...base, path, method: 'GET', timeout: 10_000 }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> })
        } catch {
          reject(new Error(`${label}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 300)}`))
        }
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`${label}: no answer within 10 s`)))
    req.on('error', reject)
    req.end()
  })
}

/** One signed GET on a fresh connection (set-up only); the body must be JSON. */
export function callOnce(
  base: { readonly host: string; readonly port: number },
  key: AccessKey,
  template: RequestTemplate,
  n = 0,
): Promise<CallResult> {
  const path = '/' + signedQuery(key, template.action, template.version, fillTemplate(template.params, n))
  return getJson({ host: base.host, port: base.port }, path, template.action)
}
