/**
 * Turns a raw HTTP request into the flat parameter map every later step reads: query ∪ form body,
 * decoded with form semantics ('+' is a space; contract §3.3 step 2), plus Action and Version from
 * the parameters or, for V3 clients, from the x-acs-action / x-acs-version headers (contract §3.4).
 */
import type { IncomingHttpHeaders } from 'node:http'

/** A request as it arrived, independent of any socket (tests inject these directly). */
export interface RawRequest {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

export interface DecodedRequest {
  readonly method: string
  readonly path: string
  /** The query string exactly as received, without '?'. */
  readonly rawQuery: string
  /** Query then body pairs, decoded, in arrival order (what V1 signs, contract §3.3 step 1). */
  readonly pairs: ReadonlyArray<readonly [string, string]>
  /** The same pairs as a map; a later duplicate wins. */
  readonly params: ReadonlyMap<string, string>
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
  readonly action: string | undefined
  readonly version: string | undefined
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

/**
 * A body is form data when it says so, or when it carries no Content-Type at all: the older
 * tea-rpc template sent its form body without one (contract §3.2).
 */
const isFormBody = (headers: IncomingHttpHeaders, body: Buffer): boolean => {
  if (body.length === 0) return false
  const type = header(headers, 'content-type')
  if (type === undefined || type === '') return true
  return type.toLowerCase().startsWith('application/x-www-form-urlencoded')
}

export function decodeRequest(raw: RawRequest): DecodedRequest {
  const q = raw.url.indexOf('?')
  const path = q < 0 ? raw.url : raw.url.slice(0, q)
  const rawQuery = q < 0 ? '' : raw.url.slice(q + 1)
  const pairs: Array<readonly [string, string]> = []
  for (const pair of new URLSearchParams(rawQuery)) pairs.push(pair)
  if (isFormBody(raw.headers, raw.body)) {
    for (const pair of new URLSearchParams(raw.body.toString('utf8'))) pairs.push(pair)
  }
  const params = new Map(pairs)
  return {
    method: raw.method.toUpperCase(),
    path,
    rawQuery,
    pairs,
    params,
    headers: raw.headers,
    body: raw.body,
    action: params.get('Action') ?? header(raw.headers, 'x-acs-action'),
    version: params.get('Version') ?? header(raw.headers, 'x-acs-version'),
  }
}

export { header as firstHeader }
