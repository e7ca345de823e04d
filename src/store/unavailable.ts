/**
 * A database that cannot be reached is the contract's ServiceUnavailable (503, contract §5), which
 * the SDKs retry — not an InternalError: the request may well succeed once PostgreSQL is back.
 */
import { serviceUnavailable } from '../domain/errors.js'

// SQLSTATE classes 08 (connection exception) and 57P0x (the server is shutting down or starting),
// 53300 too_many_connections; socket errors; pg's own messages for a dropped or refused connection.
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN'])
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection closed/i

export function isUnreachable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') {
    if (code.startsWith('08') || code.startsWith('57P') || code === '53300' || SOCKET_ERRORS.has(code)) return true
  }
  const message = (err as { message?: unknown }).message
  return typeof message === 'string' && MESSAGES.test(message)
}

/** Rethrows `err`, as ServiceUnavailable when the database could not be reached. */
export function unavailable(err: unknown): never {
  throw isUnreachable(err) ? serviceUnavailable() : err
}
