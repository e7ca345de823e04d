/**
 * Authenticates a decoded request: V3 (ACS3-HMAC-SHA256 in the Authorization header) or V1
 * (HMAC-SHA1 Signature parameter). Always enforced: a known, active key; a valid signature; a
 * timestamp within the window; a nonce not seen before within the window (contract §3, §5.1).
 */
import { timingSafeEqual } from 'node:crypto'
import {
  accessKeyDisabled,
  accessKeyNotFound,
  illegalTimestamp,
  incompleteSignature,
  invalidSignatureMethod,
  invalidSignatureVersion,
  missingParameter,
  nonceUsed,
  signatureMismatch,
  SlbError,
  timestampExpired,
} from '../../domain/errors.js'
import type { AccessKey } from '../../domain/model.js'
import type { Store } from '../../store/repository.js'
import { firstHeader, type DecodedRequest } from '../protocol/decode.js'
import { v1Signature, v1StringToSign } from './signature-v1.js'
import { parseV3Authorization, sha256Hex, v3CanonicalRequest, v3Signature, v3StringToSign } from './signature-v3.js'

export interface AuthDeps {
  readonly store: Store
  readonly now: () => number
  readonly windowMs: number
}

const V3_ALGORITHM = 'ACS3-HMAC-SHA256'
// Headers a V3 client always sends and signs (contract §3.4, server-side recommendations).
const V3_REQUIRED_HEADERS = ['x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'] as const

// UTC `YYYY-MM-DDThh:mm:ssZ`; fractional seconds are accepted too (docs/compatibility.md).
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/

const timestampFormat = (): SlbError =>
  new SlbError('InvalidTimeStamp.Format', 400, 'Specified time stamp or date value is not well formatted.')

export function isV3(req: DecodedRequest): boolean {
  const auth = firstHeader(req.headers, 'authorization')
  return auth !== undefined && auth.trimStart().startsWith('ACS3-')
}

export async function authenticate(req: DecodedRequest, deps: AuthDeps): Promise<AccessKey> {
  return isV3(req) ? authenticateV3(req, deps) : authenticateV1(req, deps)
}

async function authenticateV1(req: DecodedRequest, deps: AuthDeps): Promise<AccessKey> {
  const p = req.params
  const accessKeyId = p.get('AccessKeyId')
  if (accessKeyId === undefined || accessKeyId === '') throw missingParameter('AccessKeyId')
  const signature = p.get('Signature')
  if (signature === undefined || signature === '') throw missingParameter('Signature')
  const method = p.get('SignatureMethod')
  if (method === undefined || method === '') throw missingParameter('SignatureMethod')
  // One DOCS sample writes Hmac-SHA1 (contract §3.1).
  if (method.toUpperCase() !== 'HMAC-SHA1') throw invalidSignatureMethod()
  const version = p.get('SignatureVersion')
  if (version === undefined || version === '') throw missingParameter('SignatureVersion')
  if (version !== '1.0') throw invalidSignatureVersion()
  const nonce = p.get('SignatureNonce')
  if (nonce === undefined || nonce === '') throw missingParameter('SignatureNonce')
  // The DOCS samples spell it TimeStamp; the SDKs send Timestamp (contract §3.1).
  const timestamp = p.get('Timestamp') ?? p.get('TimeStamp')
  if (timestamp === undefined || timestamp === '') throw illegalTimestamp()
  const issuedAt = checkTimestamp(timestamp, deps)

  const key = await activeKey(accessKeyId, deps)
  const stringToSign = v1StringToSign(req.method, req.pairs)
  if (!sameText(v1Signature(key.secret, stringToSign), signature)) throw signatureMismatch(stringToSign)
  await claimNonce(key, nonce, issuedAt, deps)
  return key
}

async function authenticateV3(req: DecodedRequest, deps: AuthDeps): Promise<AccessKey> {
  const auth = parseV3Authorization(firstHeader(req.headers, 'authorization') ?? '')
  if (auth === undefined) throw incompleteSignature()
  if (auth.algorithm !== V3_ALGORITHM) throw invalidSignatureMethod()
  for (const name of V3_REQUIRED_HEADERS) {
    const value = firstHeader(req.headers, name)
    if (value === undefined || value === '') throw missingParameter(name)
    if (!auth.signedHeaders.includes(name)) throw incompleteSignature()
  }
  const date = firstHeader(req.headers, 'x-acs-date') ?? ''
  const nonce = firstHeader(req.headers, 'x-acs-signature-nonce') ?? ''
  const payloadHash = firstHeader(req.headers, 'x-acs-content-sha256') ?? ''
  const issuedAt = checkTimestamp(date, deps)

  const key = await activeKey(auth.accessKeyId, deps)
  const canonical = v3CanonicalRequest(
    { method: req.method, path: req.path, rawQuery: req.rawQuery, headers: req.headers, payloadHash },
    auth.signedHeaders,
  )
  const stringToSign = v3StringToSign(canonical)
  // The declared payload hash is signed, so it must also be the hash of what actually arrived.
  if (payloadHash.toLowerCase() !== sha256Hex(req.body)) throw signatureMismatch(stringToSign)
  if (!sameText(v3Signature(key.secret, stringToSign), auth.signature)) throw signatureMismatch(stringToSign)
  await claimNonce(key, nonce, issuedAt, deps)
  return key
}

function checkTimestamp(text: string, deps: AuthDeps): number {
  if (!TIMESTAMP.test(text)) throw timestampFormat()
  const at = Date.parse(text)
  if (Number.isNaN(at)) throw timestampFormat()
  if (Math.abs(deps.now() - at) > deps.windowMs) throw timestampExpired()
  return at
}

async function activeKey(accessKeyId: string, deps: AuthDeps): Promise<AccessKey> {
  const key = await deps.store.findAccessKey(accessKeyId)
  if (key === undefined) throw accessKeyNotFound()
  if (key.status !== 'Active') throw accessKeyDisabled()
  return key
}

// A nonce must outlive every timestamp that could still pass the window check.
async function claimNonce(key: AccessKey, nonce: string, issuedAt: number, deps: AuthDeps): Promise<void> {
  const expiresAt = Math.max(issuedAt, deps.now()) + deps.windowMs
  if (!(await deps.store.claimNonce(key.accessKeyId, nonce, expiresAt))) throw nonceUsed()
}

function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}
