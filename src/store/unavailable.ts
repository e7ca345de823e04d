/**
 * A database that cannot be reached is the contract's ServiceUnavailable (503, contract §5), which
 * the SDKs retry — not an InternalError: the request may well succeed once PostgreSQL is back.
 */
import { serviceUnavailable } from '../domain/errors.js'

// Errors PostgreSQL itself sent are judged by SQLSTATE alone (their messages may echo input):
// class 08 connection exceptions but 08P01 (a protocol violation is a bug), 57P0x shutting down or
// starting, 57014 our statement_timeout (a stuck lock), 25006 a standby after a failover, and
// 53xxx insufficient resources (53300 too many connections).
const unreachableState = (code: string): boolean =>
  (code.startsWith('08') && code !== '08P01') ||
  code.startsWith('57P') ||
  code === '57014' ||
  code === '25006' ||
  code.startsWith('53')

// Otherwise the socket failed, or pg says the connection dropped, timed out or was shut down.
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN'])
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Query read timeout|Cannot use a pool after calling end/i

export function isUnreachable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const code = (err as { code?: unknown }).code
  // pg's DatabaseError carries the server's severity next to the SQLSTATE.
  if ('severity' in err && typeof code === 'string') return unreachableState(code)
  if (typeof code === 'string' && SOCKET_ERRORS.has(code)) return true
  const message = (err as { message?: unknown }).message
  return typeof message === 'string' && MESSAGES.test(message)
}

/** Rethrows `err`, as ServiceUnavailable when the database could not be reached. */
export function unavailable(err: unknown): never {
  throw isUnreachable(err) ? serviceUnavailable() : err
}
