/**
 * The node:http adapter: reads each request body under a size limit, hands the request to the
 * RPC app or an internal route, and writes the response. Keep-alive stays on for SDK clients.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { bodyTooLarge, internalError } from '../domain/errors.js'
import type { App, RawResponse } from './app.js'
import type { RawRequest } from './protocol/decode.js'

export type InternalRoute = (req: RawRequest) => Promise<RawResponse>

export interface HttpServerDeps {
  readonly app: App
  readonly internal: ReadonlyMap<string, InternalRoute>
  readonly maxBodyBytes: number
  readonly logger: Logger
}

const INTERNAL_PREFIX = '/_openslb/'

export function createHttpServer(deps: HttpServerDeps): Server {
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    void serve(req, res, deps)
  })
  server.headersTimeout = 30_000
  server.requestTimeout = 60_000
  return server
}

async function serve(req: IncomingMessage, res: ServerResponse, deps: HttpServerDeps): Promise<void> {
  const base = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }
  try {
    const body = await readBody(req, deps.maxBodyBytes)
    const raw: RawRequest = { ...base, body: body ?? Buffer.alloc(0) }
    if (body === undefined) {
      // The rest of an oversized body is not read: answer and close the connection.
      res.shouldKeepAlive = false
      return write(res, deps.app.renderError(raw, bodyTooLarge(deps.maxBodyBytes)))
    }
    const path = raw.url.split('?', 1)[0] ?? '/'
    if (path.startsWith(INTERNAL_PREFIX)) {
      const internal = deps.internal.get(path)
      if (internal !== undefined) return write(res, await internal(raw))
      return write(res, { status: 404, headers: { 'content-type': 'application/json' }, body: '{"status":"not found"}' })
    }
    write(res, await deps.app.handle(raw))
  } catch (err) {
    deps.logger.error({ err }, 'request failed outside the pipeline')
    if (!res.headersSent) write(res, deps.app.renderError({ ...base, body: Buffer.alloc(0) }, internalError()))
    else res.destroy()
  }
}

function write(res: ServerResponse, response: RawResponse): void {
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) })
  res.end(response.body)
}

/** Resolves the body, or undefined when it exceeds `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) {
    req.resume()
    return Promise.resolve(undefined)
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    req.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > limit) {
        done = true
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks))
    })
    req.on('error', reject)
  })
}
