// Signature V1 ("RPC", HMAC-SHA1): contract §3.1 and §3.3.
// Pure functions only; choosing the parameter set, checking the timestamp
// and nonce, and comparing signatures are the caller's job.
import { createHmac } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, b) => '%' + b.toString(16).toUpperCase().padStart(2, '0'));
const ONLY_UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || byte === 0x5f || byte === 0x2e || byte === 0x7e // - _ . ~
  );
}

/**
 * RFC 3986 percent-encoding (§3.3 step 3): only `A-Z a-z 0-9 - _ . ~` stay;
 * every other UTF-8 byte becomes upper-case `%XY` (space `%20`, `*` `%2A`).
 * This equals the SDKs' `encodeURIComponent` + `!'()*` escaping, except that a
 * lone surrogate becomes the UTF-8 of U+FFFD here instead of throwing.
 */
export function percentEncode(value: string): string {
  if (ONLY_UNRESERVED.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += isUnreserved(byte) ? String.fromCharCode(byte) : HEX[byte];
  }
  return out;
}

/**
 * `METHOD&%2F&percentEncode(canonicalizedQueryString)` (§3.3 steps 4-5).
 *
 * `params` are decoded query ∪ form-body pairs (§3.3 steps 1-2). `Signature`
 * is dropped here; empty values are kept (`SignatureType=` is signed, §3.1).
 *
 * Sorting is by the decoded key, in UTF-16 code-unit order: every client sorts
 * its raw keys before encoding them (pop-core `normalize`, Darabonba
 * `getRPCSignature`, Go `url.Values.Encode`). Sorting the encoded keys would
 * differ for keys holding e.g. `[` or `/`. For keys without astral-plane
 * characters this is also UTF-8 byte order, which is what Go and Python use.
 *
 * Repeated keys are all kept (stable order). No client signs duplicates, so a
 * request that carries one fails verification instead of being read one way
 * here and another way by the parameter parser.
 */
export function v1StringToSign(method: string, params: Iterable<readonly [string, string]>): string {
  const pairs: (readonly [string, string])[] = [];
  for (const pair of params) {
    if (pair[0] !== 'Signature') pairs.push(pair);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const canonical = pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
  return `${method}&%2F&${percentEncode(canonical)}`;
}

/** Base64 HMAC-SHA1 keyed with `secret + "&"` (§3.3 step 6). */
export function v1Signature(secret: string, stringToSign: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64');
}
