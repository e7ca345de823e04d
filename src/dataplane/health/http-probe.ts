/**
 * HTTP health probe: one HEAD or GET of the check URI on a fresh connection, healthy when the
 * status class is one of HealthCheckHttpCode (contract §2.3). The verdict is the status line's.
 */
import http from 'node:http'
import net from 'node:net'
import type { HealthCheckSpec } from '../snapshot.js'
import type { Probe } from './probe.js'
import { probePort } from './probe.js'

/** A GET body is read (so the backend sees a normal exchange) up to this much, then cut. */
const BODY_LIMIT = 64 * 1024

export const httpProbe: Probe = (target, spec, signal) =>
  new Promise<boolean>((resolve) => {
    if (signal.aborted) {
      resolve(false)
      return
    }
    let req: http.ClientRequest
    try {
      req = http.request({
        host: target.address,
        port: probePort(target, spec),
        method: spec.method === 'get' ? 'GET' : 'HEAD',
        path: spec.uri === '' ? '/' : spec.uri,
        // `$_ip` (or '') means the member's own address (contract §2.3 HealthCheckDomain).
        headers: { host: hostHeader(target.address, spec.domain), connection: 'close' },
        // No pooling: each probe is one short connection, nothing outlives it.
        agent: false,
      })
    } catch {
      // A URI or domain Node refuses to put on the wire can never pass.
      resolve(false)
      return
    }
    // Until the status line arrives every ending is a failure; after it, the status decides.
    let verdict = false
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', finish)
      req.destroy()
      resolve(verdict)
    }
    req.on('error', finish)
    req.on('response', (res) => {
      verdict = accepts(spec.httpCodes, res.statusCode ?? 0)
      if (req.method === 'HEAD') {
        finish()
        return
      }
      let read = 0
      res.on('data', (chunk: Buffer) => {
        read += chunk.length
        if (read > BODY_LIMIT) finish()
      })
      res.on('end', finish)
      res.on('error', finish)
      res.on('close', finish)
    })
    signal.addEventListener('abort', finish, { once: true })
    req.end()
  })

function accepts(codes: HealthCheckSpec['httpCodes'], status: number): boolean {
  const cls = `http_${Math.floor(status / 100)}xx`
  if (codes.length === 0) return cls === 'http_2xx'
  return (codes as readonly string[]).includes(cls)
}

function hostHeader(address: string, domain: string): string {
  if (domain !== '' && domain !== '$_ip') return domain
  return net.isIPv6(address) ? `[${address}]` : address
}
