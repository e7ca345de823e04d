// Signature V3 (ACS3-HMAC-SHA256): contract §3.4, checked against Darabonba's
// TS client (@alicloud/openapi-client `doRequest`, @alicloud/openapi-util and
// @alicloud/openapi-core `getAuthorization`) and tea `buildURL`.
// Pure functions only; required headers, date window, nonce and the
// body-hash check are the caller's job.
import { createHash, createHmac } from 'node:crypto';
import { percentEncode } from './signature-v1.js';

export interface V3Authorization {
  readonly algorithm: string;
  readonly accessKeyId: string;
  /** Lower-cased, in the order the client listed them. */
  readonly signedHeaders: readonly string[];
  /** Lower-case hex. */
  readonly signature: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // RFC 9110 token (header names)
const HEX = /^[0-9a-fA-F]+$/;

/**
 * Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b;c,Signature=hex`
 * (§3.4). Whitespace around commas and semicolons is tolerated; the three
 * parts may come in any order but each exactly once. Anything else gives
 * undefined.
 */
export function parseV3Authorization(header: string): V3Authorization | undefined {
  const m = /^\s*(\S+)\s+(\S[\s\S]*?)\s*$/.exec(header);
  if (m === null) return undefined;
  const algorithm = m[1]!;
  const parts = new Map<string, string>();
  for (const raw of m[2]!.split(',')) {
    const part = raw.trim();
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq);
    if (name !== 'Credential' && name !== 'SignedHeaders' && name !== 'Signature') return undefined;
    if (parts.has(name)) return undefined;
    parts.set(name, part.slice(eq + 1));
  }
  const accessKeyId = parts.get('Credential');
  const headerList = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (accessKeyId === undefined || headerList === undefined || signature === undefined) return undefined;
  if (accessKeyId === '' || /\s/.test(accessKeyId) || !HEX.test(signature)) return undefined;
  const signedHeaders = headerList.split(';').map((h) => h.trim().toLowerCase());
  if (!signedHeaders.every((h) => TOKEN.test(h))) return undefined;
  return { algorithm, accessKeyId, signedHeaders, signature: signature.toLowerCase() };
}

export interface V3Request {
  readonly method: string;
  /** Path as received, without the query. */
  readonly path: string;
  /** Query string exactly as received, without '?'. */
  readonly rawQuery: string;
  /** node IncomingHttpHeaders (lower-case keys); `headersDistinct` also works. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The x-acs-content-sha256 header value. */
  readonly payloadHash: string;
}

/**
 * Query part. The TS client signs `key=encode(value)` over its unencoded map,
 * keys sorted with `Array#sort` (UTF-16 code units) and NOT encoded, then
 * sends `querystring.stringify` of the same map (space as %20, `+` as %2B).
 * Go and Python V3 clients send spaces as `+` (url.Values.Encode,
 * urlencode). So the server decodes with form semantics (`+` is space) and
 * re-encodes each value. The WHATWG urlencoded parser does exactly that and
 * never throws: a bad `%` escape stays literal, bad UTF-8 becomes U+FFFD. The
 * leading '&' only stops URLSearchParams from eating a leading '?'.
 * Repeated keys are all kept (stable order); no client signs duplicates.
 */
function canonicalQuery(rawQuery: string): string {
  const pairs = [...new URLSearchParams('&' + rawQuery)];
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${percentEncode(v)}`).join('&');
}

/** Clients trim each value; repeated values are sorted and joined by ','. */
function canonicalHeaderValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  return value.map((v) => v.trim()).sort().join(',');
}

/**
 * The canonical request of §3.4, built from what the server received and
 * the SignedHeaders the client declared (used in the order given; clients
 * list them sorted). The canonical URI is the path with `+` → %20, `*` →
 * %2A, `%7E` → `~` (openapi-core replaces all; openapi-util only the first,
 * which is the same for the RPC path `/`). The encoding of values is the
 * RFC 3986 one of V1: Darabonba's `encode` is encodeURIComponent plus
 * `!'()*`, which leaves exactly the unreserved set.
 */
export function v3CanonicalRequest(req: V3Request, signedHeaders: readonly string[]): string {
  const uri = req.path.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
  const names = signedHeaders.map((h) => h.toLowerCase());
  let headers = '';
  for (const name of names) headers += `${name}:${canonicalHeaderValue(req.headers[name])}\n`;
  return [req.method, uri, canonicalQuery(req.rawQuery), headers, names.join(';'), req.payloadHash].join('\n');
}

/**
 * `algorithm + "\n" + hex(SHA-256(canonicalRequest))` (§3.4). The hash is
 * always SHA-256, so only ACS3-HMAC-SHA256 is meaningful here.
 */
export function v3StringToSign(canonicalRequest: string, algorithm = 'ACS3-HMAC-SHA256'): string {
  return `${algorithm}\n${sha256Hex(canonicalRequest)}`;
}

/** Hex HMAC-SHA256 keyed with the bare secret, no '&' (§3.4). */
export function v3Signature(secret: string, stringToSign: string): string {
  return createHmac('sha256', secret).update(stringToSign, 'utf8').digest('hex');
}

/** Lower-case hex SHA-256; strings are hashed as UTF-8. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
