/**
 * An HTTP listener (contract §2.3 CreateLoadBalancerHTTPListener): terminates HTTP/1.1 on the load
 * balancer's address and port (node:http) and forwards each request, over pooled keep-alive connections
 * (undici), to the backend its sticky-session cookie or the scheduler picks, with the forwarded headers.
 */
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import type { BackendPool, Closable, PickedBackend } from './backend-pool.js'
import { createPool, updatePool } from './listener.js'
import type { HealthMonitor, ListenerDeps, RunningListener } from './listener.js'
import { DEFAULT_CONNECT_TIMEOUT_MS } from './tcp-listener.js'
import type { BackendTarget, HttpOptions, ListenerSpec } from '../snapshot.js'

/** IdleTimeout and RequestTimeout defaults (contract §2.3), for a spec that carries 0. */
export const DEFAULT_IDLE_TIMEOUT_MS = 15_000
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000

/** The cookie StickySessionType=insert sets: CLB inserts one named SERVERID. */
export const INSERT_COOKIE = 'SERVERID'

/** Server-cookie bindings kept per listener; beyond this the least recently used go first. */
const MAX_SERVER_COOKIES = 65_536
/** Longest a server-cookie binding lives: CLB persists a Layer-7 session for at most 86400 s. */
const MAX_SERVER_COOKIE_MS = 86_400_000
/** How long a pooled connection to a backend may sit idle (less when the backend announces less). */
const UPSTREAM_IDLE_MS = 15_000

/** What a listener without HTTP options forwards with: Alibaba's defaults (XForwardedFor on). */
const DEFAULT_HTTP: HttpOptions = {
  xForwardedFor: true,
  xForwardedProto: false,
  xForwardedSlbId: false,
  xForwardedSlbIp: false,
  xForwardedSlbPort: false,
  xForwardedClientSrcPort: false,
  stickySession: undefined,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
}

// How the request path treats a header, found by length first so most names cost no comparison.
const KEEP = 0
const DROP = 1
const CONNECTION = 2
const FORWARDED_FOR = 3
const COOKIE = 4
const BODY = 5
const SLB_ID = 6
const SLB_IP = 7
const FORWARDED_PROTO = 8
const FORWARDED_PORT = 9
const CLIENT_SRC_PORT = 10
const CHUNKED = 13

/** Whether `name` equals the lower-case ASCII `lower`, ignoring case, without allocating. */
function named(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false
  for (let i = 0; i < lower.length; i++) {
    if ((name.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false
  }
  return true
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are dropped both ways; `expect` too, as the listener already
// answered 100-continue to the client. The forwarded headers are Alibaba's names for the listener
// options: XForwardedFor_SLBID → SLB-ID, _SLBIP → SLB-IP, _proto → X-Forwarded-Proto, _SLBPORT →
// X-Forwarded-Port, _ClientSrcPort → X-Forwarded-Client-srcport.
function requestHeaderKind(name: string): number {
  switch (name.length) {
    case 2:
      return named(name, 'te') ? DROP : KEEP
    case 6:
      if (named(name, 'cookie')) return COOKIE
      if (named(name, 'slb-id')) return SLB_ID
      if (named(name, 'slb-ip')) return SLB_IP
      return named(name, 'expect') ? DROP : KEEP
    case 7:
      return named(name, 'trailer') || named(name, 'upgrade') ? DROP : KEEP
    case 10:
      if (named(name, 'connection')) return CONNECTION
      return named(name, 'keep-alive') ? DROP : KEEP
    case 14:
      return named(name, 'content-length') ? BODY : KEEP
    case 15:
      return named(name, 'x-forwarded-for') ? FORWARDED_FOR : KEEP
    case 16:
      if (named(name, 'x-forwarded-port')) return FORWARDED_PORT
      return named(name, 'proxy-connection') ? DROP : KEEP
    case 17:
      // Node decodes a chunked body; the upstream client frames it again itself.
      if (named(name, 'transfer-encoding')) return CHUNKED
      return named(name, 'x-forwarded-proto') ? FORWARDED_PROTO : KEEP
    case 26:
      return named(name, 'x-forwarded-client-srcport') ? CLIENT_SRC_PORT : KEEP
  }
  return KEEP
}

const SET_COOKIE = 11

// Transfer-Encoding goes on responses: Node frames the body for the client's own HTTP version.
function responseHeaderKind(name: string): number {
  switch (name.length) {
    case 2:
      return named(name, 'te') ? DROP : KEEP
    case 7:
      return named(name, 'trailer') || named(name, 'upgrade') ? DROP : KEEP
    case 10:
      if (named(name, 'set-cookie')) return SET_COOKIE
      if (named(name, 'connection')) return CONNECTION
      return named(name, 'keep-alive') ? DROP : KEEP
    case 16:
      return named(name, 'proxy-connection') ? DROP : KEEP
    case 17:
      return named(name, 'transfer-encoding') ? DROP : KEEP
  }
  return KEEP
}

/**
 * Extra hop-by-hop names a Connection header lists (RFC 9110 §7.6.1), lower-cased, or undefined for
 * the usual `keep-alive` / `close` / `upgrade`.
 */
function connectionOptions(value: string): string[] | undefined {
  if (named(value, 'keep-alive') || named(value, 'close')) return undefined
  let extra: string[] | undefined
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase()
    if (name === '' || name === 'close' || name === 'keep-alive' || name === 'upgrade') continue
    ;(extra ??= []).push(name)
  }
  return extra
}

function withoutNames(headers: string[], names: readonly string[]): void {
  let to = 0
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string
    if (names.includes(name.toLowerCase())) continue
    headers[to++] = name
    headers[to++] = headers[i + 1] as string
  }
  headers.length = to
}

/** The value of cookie `prefix` (`name=`) in a Cookie header, or undefined. */
function cookieValue(header: string, prefix: string): string | undefined {
  let at = header.indexOf(prefix)
  while (at !== -1) {
    const before = at === 0 ? 59 : header.charCodeAt(at - 1)
    if (before === 59 /* ; */ || before === 32 /* space */ || before === 9 /* tab */) {
      const start = at + prefix.length
      const end = header.indexOf(';', start)
      return header.slice(start, end === -1 ? header.length : end).trim()
    }
    at = header.indexOf(prefix, at + 1)
  }
  return undefined
}

/**
 * How long a backend's Set-Cookie keeps its binding: its Max-Age or Expires, at most a day; 0 when
 * the backend deletes the cookie.
 */
function cookieLifetime(setCookie: string, now: number): number {
  const lower = setCookie.toLowerCase()
  const maxAge = /;\s*max-age\s*=\s*(-?\d+)/.exec(lower)
  if (maxAge !== null) return Math.min(Math.max(Number(maxAge[1]) * 1000, 0), MAX_SERVER_COOKIE_MS)
  const expires = /;\s*expires\s*=\s*([^;]+)/.exec(setCookie)
  if (expires !== null) {
    const at = Date.parse(expires[1] as string)
    if (!Number.isNaN(at)) return Math.min(Math.max(at - now, 0), MAX_SERVER_COOKIE_MS)
  }
  return MAX_SERVER_COOKIE_MS
}

/**
 * StickySessionType=server: which backend set each value of the application's cookie. Bounded, and
 * kept in least-recently-used order so the oldest sessions make room first.
 */
class ServerCookies {
  readonly #bindings = new Map<string, { backendId: string; expires: number }>()

  lookup(value: string, now: number): string | undefined {
    const binding = this.#bindings.get(value)
    if (binding === undefined) return undefined
    this.#bindings.delete(value)
    if (binding.expires < now) return undefined
    this.#bindings.set(value, binding)
    return binding.backendId
  }

  remember(value: string, backendId: string, lifetimeMs: number, now: number): void {
    this.#bindings.delete(value)
    if (lifetimeMs <= 0) return
    if (this.#bindings.size >= MAX_SERVER_COOKIES) {
      const oldest = this.#bindings.keys().next()
      if (oldest.done !== true) this.#bindings.delete(oldest.value)
    }
    this.#bindings.set(value, { backendId, expires: now + lifetimeMs })
  }

  clear(): void {
    this.#bindings.clear()
  }
}

/** The opaque SERVERID value of a backend: stable across restarts, and does not reveal its address. */
function insertToken(backendId: string): string {
  return createHash('sha256').update(backendId).digest('hex').slice(0, 32)
}

interface UpstreamTimeouts {
  readonly requestMs: number
  readonly connectMs: number
}

/**
 * The pooled keep-alive connections to one backend address (an undici Pool). A backend that leaves,
 * drains (weight 0), moves or gets new timeouts is retired: its requests in flight finish, then its
 * connections close.
 */
class Upstream {
  readonly pool: Pool
  readonly address: string
  readonly port: number
  readonly timeouts: UpstreamTimeouts
  readonly #all: Set<Upstream>

  constructor(target: BackendTarget, timeouts: UpstreamTimeouts, all: Set<Upstream>) {
    this.address = target.address
    this.port = target.port
    this.timeouts = timeouts
    this.#all = all
    all.add(this)
    // RequestTimeout (contract §2.3) is the wait for the response head, and for each body chunk.
    this.pool = new Pool(`http://${target.address}:${target.port}`, {
      pipelining: 1,
      keepAliveTimeout: UPSTREAM_IDLE_MS,
      keepAliveMaxTimeout: UPSTREAM_IDLE_MS,
      headersTimeout: timeouts.requestMs,
      bodyTimeout: timeouts.requestMs,
      connectTimeout: timeouts.connectMs,
    })
  }

  matches(target: BackendTarget, timeouts: UpstreamTimeouts): boolean {
    return (
      this.address === target.address &&
      this.port === target.port &&
      this.timeouts.requestMs === timeouts.requestMs &&
      this.timeouts.connectMs === timeouts.connectMs
    )
  }

  retire(): void {
    this.pool.close().then(
      () => this.#all.delete(this),
      () => this.#all.delete(this),
    )
  }

  destroy(): void {
    this.#all.delete(this)
    this.pool.destroy().catch(() => undefined)
  }
}

const kExchange = Symbol('openslb.http.exchange')
const kBusy = Symbol('openslb.http.busy')
const kIdleSince = Symbol('openslb.http.idleSince')
const kLastRead = Symbol('openslb.http.lastRead')
/** A client connection: its exchanges in flight and, when none, since when it idles. */
type ClientSocket = Socket & { [kBusy]: number; [kIdleSince]: number; [kLastRead]: number }
type Reply = ServerResponse & { [kExchange]: Exchange }

// Generated errors: a small HTML page with nginx's reason phrases, as Tengine (CLB's proxy) answers.
const REASONS = {
  400: 'Bad Request',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
} as const
type ErrorStatus = keyof typeof REASONS

interface ErrorPage {
  readonly body: Buffer
  /** Header lists for writeHead: keeping the connection, or closing it. */
  readonly keep: string[]
  readonly close: string[]
}

const errorPages = new Map<number, ErrorPage>()
for (const [code, reason] of Object.entries(REASONS)) {
  const title = `${code} ${reason}`
  const body = Buffer.from(
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n` +
      '<hr><center>openslb</center>\r\n</body>\r\n</html>\r\n',
  )
  const keep = ['Content-Type', 'text/html', 'Content-Length', String(body.length)]
  errorPages.set(Number(code), { body, keep, close: [...keep, 'Connection', 'close'] })
}

/**
 * Answers with a generated error, or cuts the connection when a response has begun. A request whose
 * body was not all read closes the connection after the answer.
 */
function sendError(req: IncomingMessage, res: ServerResponse, status: ErrorStatus): void {
  if (res.headersSent || res.destroyed) {
    res.destroy()
    return
  }
  const page = errorPages.get(status) as ErrorPage
  res.writeHead(status, REASONS[status], req.complete ? page.keep : page.close)
  res.end(page.body)
  // What the client still sends goes nowhere; reading it lets the answer and the close through.
  if (!req.complete) req.resume()
}

/** Reused for every dispatch: undici reads the options and consumes the headers at once. */
const dispatchOptions: Dispatcher.DispatchOptions = { path: '/', method: 'GET', headers: [] as string[], body: null }

// Upstream failures before the response head, by undici error code: a timeout is a 504.
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
/** Methods a request may be sent twice with (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

/**
 * One request from a client and its forwarding; it is also the undici dispatch handler (methods on
 * the prototype, so a request costs this object and no closures).
 */
class Exchange implements Closable {
  readonly forwarder: Forwarder
  readonly req: IncomingMessage
  readonly res: Reply
  readonly client: ClientSocket
  readonly picked: PickedBackend
  readonly upstream: Upstream
  readonly release: () => void
  /** The Set-Cookie the insert mode adds to the response, or ''. */
  readonly insertCookie: string
  readonly hasBody: boolean
  abort: ((err?: Error) => void) | undefined = undefined
  resume: (() => void) | undefined = undefined
  answered = false
  bytesIn = 0
  bytesOut = 0
  retried = false
  /** The upstream side is finished with (failed, timed out or aborted): ignore what it still reports. */
  abandoned = false
  done = false

  constructor(
    forwarder: Forwarder,
    req: IncomingMessage,
    res: ServerResponse,
    picked: PickedBackend,
    upstream: Upstream,
    insertCookie: string,
    hasBody: boolean,
  ) {
    this.forwarder = forwarder
    this.req = req
    this.res = res as Reply
    this.picked = picked
    this.upstream = upstream
    this.insertCookie = insertCookie
    this.hasBody = hasBody
    this.res[kExchange] = this
    this.client = req.socket as ClientSocket
    this.client[kBusy] += 1
    this.release = picked.track(this)
    picked.addRequest()
    res.on('close', onClientClose)
  }

  /** Sends the request upstream with `headers` (the forwarder's scratch array, consumed at once). */
  send(headers: string[]): void {
    const req = this.req
    const options = dispatchOptions
    options.path = req.url as string
    options.method = req.method as Dispatcher.HttpMethod
    options.headers = headers
    options.body = this.hasBody ? req : null
    this.upstream.pool.dispatch(options, this)
  }

  // undici's handler interface.

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort
    if (this.abandoned) abort()
  }

  // undici passes the chunk itself, although its types say a size.
  onBodySent(chunk: Buffer | number): void {
    this.bytesIn += typeof chunk === 'number' ? chunk : chunk.length
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    // 1xx interim answers stay here: Node already answered the client's 100-continue itself.
    if (this.abandoned || statusCode < 200) return true
    this.answered = true
    this.resume = resume
    const headers = this.forwarder.responseHeaders(this, rawHeaders)
    try {
      if (statusText) this.res.writeHead(statusCode, statusText, headers)
      else this.res.writeHead(statusCode, headers)
    } catch {
      // A header the backend sent that Node's server will not write.
      this.fail(502)
      return false
    }
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.abandoned) return true
    this.bytesOut += chunk.length
    if (this.res.write(chunk)) return true
    this.res.once('drain', onClientDrain)
    return false
  }

  onComplete(): void {
    if (!this.abandoned) this.res.end()
  }

  onError(err: Error & { code?: string }): void {
    if (this.abandoned || this.done) return
    if (this.answered) {
      this.cut()
      return
    }
    // A pooled connection the backend closed while it sat idle fails the request that reuses it; an
    // idempotent request without a body is sent once more, on another connection.
    if (err.code === 'UND_ERR_SOCKET' && !this.hasBody && !this.retried && IDEMPOTENT.has(this.req.method ?? '')) {
      this.retried = true
      this.forwarder.resend(this)
      return
    }
    this.fail(TIMEOUT_CODES.has(err.code ?? '') ? 504 : 502)
  }

  /** The backend failed before it answered: 502, or 504 when it did not answer in time. */
  fail(status: 502 | 504): void {
    this.abandoned = true
    this.picked.addFailure()
    sendError(this.req, this.res, status)
    this.abort?.()
  }

  /** The backend failed in the middle of its response: the client can only be cut off too. */
  cut(): void {
    this.abandoned = true
    this.picked.addFailure()
    this.abort?.()
    this.res.destroy()
  }

  /** Drain timeout or listener stop. */
  destroy(): void {
    this.abandoned = true
    this.abort?.()
    this.res.destroy()
  }

  finish(): void {
    if (this.done) return
    this.done = true
    this.release()
    this.picked.addBytes(this.bytesIn, this.bytesOut)
    const client = this.client
    client[kBusy] -= 1
    client[kIdleSince] = this.forwarder.clock
  }
}

function onClientDrain(this: Reply): void {
  this[kExchange].resume?.()
}

// The response is out, or the client left before it was: then the backend request goes too.
function onClientClose(this: Reply): void {
  const ex = this[kExchange]
  if (!this.writableFinished && !ex.abandoned) {
    ex.abandoned = true
    ex.abort?.()
  }
  ex.finish()
}

/** A mutable PickContext, refilled for every request (picking is synchronous). */
interface RequestContext {
  sourceIp: string | undefined
  sourcePort: number | undefined
  destinationIp: string | undefined
  destinationPort: number | undefined
}

/** A listener's per-request logic and what it keeps between requests. */
class Forwarder {
  readonly pool: BackendPool
  /** Epoch ms, refreshed by every request and every sweep: activity stamps need no clock read. */
  clock = Date.now()
  stopped = false
  #options: HttpOptions = DEFAULT_HTTP
  /** Headers every request gets: SLB-ID, SLB-IP, X-Forwarded-Proto, X-Forwarded-Port as enabled. */
  #fixed: string[] = []
  #timeouts: UpstreamTimeouts = { requestMs: DEFAULT_REQUEST_TIMEOUT_MS, connectMs: DEFAULT_CONNECT_TIMEOUT_MS }
  #idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS
  readonly #clients = new Set<ClientSocket>()
  #sweeper: NodeJS.Timeout | undefined
  #sweepEveryMs = 0
  /** `name=` of the sticky cookie, or '' without sticky sessions. */
  #cookiePrefix = ''
  #insert = false
  #cookieMaxAge = ''
  readonly #tokens = new Map<string, string>()
  readonly #backendOfToken = new Map<string, string>()
  readonly #insertCookies = new Map<string, string>()
  readonly #serverCookies = new ServerCookies()
  /** Current upstreams by backend id; `#allUpstreams` also holds retired ones until they finish. */
  readonly #upstreams = new Map<string, Upstream>()
  readonly #allUpstreams = new Set<Upstream>()
  readonly #requestHeaders: string[] = []
  readonly #responseHeaders: string[] = []
  readonly #context: RequestContext = {
    sourceIp: undefined,
    sourcePort: undefined,
    destinationIp: undefined,
    destinationPort: undefined,
  }
  // Results of the last request scan.
  #cookie: string | undefined = undefined
  #hasBody = false

  constructor(spec: ListenerSpec, pool: BackendPool) {
    this.pool = pool
    this.configure(spec)
  }

  configure(spec: ListenerSpec): void {
    const options = spec.http ?? DEFAULT_HTTP
    const previous = this.#options
    this.#options = options
    const fixed: string[] = []
    if (options.xForwardedSlbId) fixed.push('SLB-ID', spec.loadBalancerId)
    if (options.xForwardedSlbIp) fixed.push('SLB-IP', spec.address)
    if (options.xForwardedProto) fixed.push('X-Forwarded-Proto', 'http')
    if (options.xForwardedSlbPort) fixed.push('X-Forwarded-Port', String(spec.port))
    this.#fixed = fixed
    this.#context.destinationIp = spec.address
    this.#context.destinationPort = spec.port
    const requestMs = options.requestTimeoutMs > 0 ? options.requestTimeoutMs : DEFAULT_REQUEST_TIMEOUT_MS
    const connectMs = spec.connectTimeoutMs > 0 ? spec.connectTimeoutMs : DEFAULT_CONNECT_TIMEOUT_MS
    if (requestMs !== this.#timeouts.requestMs || connectMs !== this.#timeouts.connectMs) {
      this.#timeouts = { requestMs, connectMs }
    }
    this.#idleTimeoutMs = options.idleTimeoutMs > 0 ? options.idleTimeoutMs : DEFAULT_IDLE_TIMEOUT_MS
    if (this.#sweeper !== undefined) this.#startSweeper()

    const sticky = options.stickySession
    const before = previous.stickySession
    if (sticky?.type !== before?.type || sticky?.cookie !== before?.cookie) this.#serverCookies.clear()
    this.#insert = sticky?.type === 'insert'
    const cookieName = sticky === undefined ? '' : sticky.type === 'insert' ? INSERT_COOKIE : sticky.cookie
    this.#cookiePrefix = cookieName === '' ? '' : `${cookieName}=`
    // CookieTimeout is 1–86400 (contract §2.3); anything else makes a session cookie.
    const maxAge = sticky?.cookieTimeoutSeconds ?? 0
    this.#cookieMaxAge = maxAge > 0 ? `; Max-Age=${maxAge}` : ''
    this.#insertCookies.clear()
    this.#tokens.clear()
    this.#backendOfToken.clear()
    // Every member's token is known up front, so a cookie from before a restart still finds it.
    if (this.#insert) for (const target of spec.backends) this.#tokenOf(target.id)

    // Connections to members that may take no new request close once their requests are done.
    const members = new Map<string, BackendTarget>()
    for (const target of spec.backends) members.set(target.id, target)
    for (const [id, upstream] of this.#upstreams) {
      const target = members.get(id)
      const usable = target !== undefined && target.weight > 0 && target.available
      if (!usable || !upstream.matches(target, this.#timeouts)) {
        this.#upstreams.delete(id)
        upstream.retire()
      }
    }
  }

  start(): void {
    this.#startSweeper()
  }

  accept = (socket: Socket): void => {
    const client = socket as ClientSocket
    client[kBusy] = 0
    client[kIdleSince] = this.clock
    client[kLastRead] = 0
    this.#clients.add(client)
    client.once('close', () => this.#clients.delete(client))
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.stopped) {
      sendError(req, res, 503)
      return
    }
    const now = Date.now()
    this.clock = now
    const socket = req.socket
    const headers = this.#scan(req.rawHeaders, socket.remoteAddress ?? '', socket.remotePort ?? 0)
    const pool = this.pool
    let picked: PickedBackend | undefined
    let insertCookie = ''
    const cookie = this.#cookie
    if (cookie !== undefined) {
      const backendId = this.#insert ? this.#backendOfToken.get(cookie) : this.#serverCookies.lookup(cookie, now)
      if (backendId !== undefined) picked = pool.eligible(backendId)
    }
    if (picked === undefined) {
      const context = this.#context
      context.sourceIp = socket.remoteAddress
      context.sourcePort = socket.remotePort
      picked = pool.pick(context)
      if (picked === undefined) {
        sendError(req, res, 503)
        return
      }
      if (this.#insert) insertCookie = this.#insertCookie(picked.target.id)
    }
    const upstream = this.#upstreamOf(picked.target)
    const exchange = new Exchange(this, req, res, picked, upstream, insertCookie, this.#hasBody)
    exchange.send(headers)
  }

  /** Sends a bodiless request again after its pooled connection failed. */
  resend(exchange: Exchange): void {
    const socket = exchange.req.socket
    exchange.send(this.#scan(exchange.req.rawHeaders, socket.remoteAddress ?? '', socket.remotePort ?? 0))
  }

  /** The response headers for the client (a scratch array, consumed by writeHead at once). */
  responseHeaders(exchange: Exchange, raw: Buffer[]): string[] {
    const out = this.#responseHeaders
    out.length = 0
    const prefix = this.#cookiePrefix
    let connection: string[] | undefined
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as Buffer).toString('latin1')
      const value = (raw[i + 1] as Buffer).toString('latin1')
      switch (responseHeaderKind(name)) {
        case KEEP:
          out.push(name, value)
          break
        case CONNECTION:
          connection = connectionOptions(value)
          break
        case SET_COOKIE:
          if (!this.#insert && prefix !== '' && value.startsWith(prefix)) {
            this.#rememberServerCookie(value, exchange.picked.target.id)
          }
          out.push(name, value)
          break
      }
    }
    if (connection !== undefined) withoutNames(out, connection)
    if (exchange.insertCookie !== '') out.push('Set-Cookie', exchange.insertCookie)
    return out
  }

  close(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper)
    this.#sweeper = undefined
    for (const client of this.#clients) client.destroy()
    this.#clients.clear()
    for (const upstream of [...this.#allUpstreams]) upstream.destroy()
    this.#upstreams.clear()
    this.#serverCookies.clear()
  }

  /**
   * The request headers to send upstream (a scratch array), leaving the sticky cookie's value in
   * `#cookie` and whether a body follows in `#hasBody`.
   */
  #scan(raw: string[], clientIp: string, clientPort: number): string[] {
    const options = this.#options
    const out = this.#requestHeaders
    out.length = 0
    const prefix = this.#cookiePrefix
    let cookie: string | undefined
    let hasBody = false
    let forwardedFor = ''
    let connection: string[] | undefined
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string
      const value = raw[i + 1] as string
      switch (requestHeaderKind(name)) {
        case KEEP:
          out.push(name, value)
          break
        case DROP:
          break
        case CONNECTION:
          connection = connectionOptions(value)
          break
        case FORWARDED_FOR:
          if (!options.xForwardedFor) out.push(name, value)
          else forwardedFor = forwardedFor === '' ? value : `${forwardedFor}, ${value}`
          break
        case COOKIE:
          if (prefix !== '' && cookie === undefined) cookie = cookieValue(value, prefix)
          out.push(name, value)
          break
        case BODY:
          if (value !== '0') hasBody = true
          out.push(name, value)
          break
        case CHUNKED:
          hasBody = true
          break
        // The listener's own headers replace whatever a client sent under their names.
        case SLB_ID:
          if (!options.xForwardedSlbId) out.push(name, value)
          break
        case SLB_IP:
          if (!options.xForwardedSlbIp) out.push(name, value)
          break
        case FORWARDED_PROTO:
          if (!options.xForwardedProto) out.push(name, value)
          break
        case FORWARDED_PORT:
          if (!options.xForwardedSlbPort) out.push(name, value)
          break
        case CLIENT_SRC_PORT:
          if (!options.xForwardedClientSrcPort) out.push(name, value)
          break
      }
    }
    if (connection !== undefined) withoutNames(out, connection)
    // X-Forwarded-For: the client's address appended to what earlier proxies put there.
    if (options.xForwardedFor) {
      out.push('X-Forwarded-For', forwardedFor === '' ? clientIp : `${forwardedFor}, ${clientIp}`)
    }
    const fixed = this.#fixed
    for (let i = 0; i < fixed.length; i++) out.push(fixed[i] as string)
    if (options.xForwardedClientSrcPort) out.push('X-Forwarded-Client-srcport', String(clientPort))
    this.#cookie = cookie
    this.#hasBody = hasBody
    return out
  }

  #upstreamOf(target: BackendTarget): Upstream {
    let upstream = this.#upstreams.get(target.id)
    const timeouts = this.#timeouts
    if (upstream !== undefined && upstream.matches(target, timeouts)) return upstream
    upstream?.retire()
    upstream = new Upstream(target, timeouts, this.#allUpstreams)
    this.#upstreams.set(target.id, upstream)
    return upstream
  }

  // IdleTimeout (contract §2.3) is one timer per listener, late by at most a tenth of it (at most a
  // second): Node's keepAliveTimeout would re-arm a timer for every request.
  #startSweeper(): void {
    const every = Math.min(1000, Math.max(10, Math.floor(this.#idleTimeoutMs / 10)))
    if (this.#sweeper !== undefined && every === this.#sweepEveryMs) return
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper)
    this.#sweepEveryMs = every
    this.#sweeper = setInterval(this.#sweep, every)
    this.#sweeper.unref()
  }

  // A client connection without a request in flight, from which nothing arrived for IdleTimeout, is
  // closed; bytes of a request still arriving count as activity.
  #sweep = (): void => {
    const now = Date.now()
    this.clock = now
    const idleBefore = now - this.#idleTimeoutMs
    for (const client of this.#clients) {
      if (client[kBusy] > 0) continue
      const read = client.bytesRead
      if (read !== client[kLastRead]) {
        client[kLastRead] = read
        client[kIdleSince] = now
      } else if (client[kIdleSince] <= idleBefore) {
        client.destroy()
      }
    }
  }

  #tokenOf(backendId: string): string {
    let token = this.#tokens.get(backendId)
    if (token === undefined) {
      token = insertToken(backendId)
      this.#tokens.set(backendId, token)
      this.#backendOfToken.set(token, backendId)
    }
    return token
  }

  #insertCookie(backendId: string): string {
    let cookie = this.#insertCookies.get(backendId)
    if (cookie === undefined) {
      cookie = `${INSERT_COOKIE}=${this.#tokenOf(backendId)}${this.#cookieMaxAge}; Path=/`
      this.#insertCookies.set(backendId, cookie)
    }
    return cookie
  }

  #rememberServerCookie(setCookie: string, backendId: string): void {
    const prefix = this.#cookiePrefix
    const end = setCookie.indexOf(';', prefix.length)
    const value = setCookie.slice(prefix.length, end === -1 ? setCookie.length : end).trim()
    const now = Date.now()
    this.#serverCookies.remember(value, backendId, cookieLifetime(setCookie, now), now)
  }
}

function ignore(): void {}

export class HttpListener implements RunningListener {
  readonly pool: BackendPool
  readonly #deps: ListenerDeps
  readonly #forwarder: Forwarder
  readonly #server: Server
  #spec: ListenerSpec
  #health: HealthMonitor | undefined
  #stopping: Promise<void> | undefined

  constructor(spec: ListenerSpec, deps: ListenerDeps) {
    this.pool = createPool(spec)
    this.#deps = deps
    this.#spec = spec
    this.#forwarder = new Forwarder(spec, this.pool)
    this.#server = createServer(this.#forwarder.handle)
    // IdleTimeout is the forwarder's sweep (Node's keepAliveTimeout re-arms a timer per request).
    this.#server.keepAliveTimeout = 0
    this.#server.on('connection', this.#forwarder.accept)
  }

  start(): Promise<void> {
    const server = this.#server
    const spec = this.#spec
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        server.off('listening', onListening)
        reject(err)
      }
      const onListening = (): void => {
        server.off('error', onError)
        // Accept errors (EMFILE) must not crash the process; the client just is not served.
        server.on('error', ignore)
        this.#forwarder.start()
        this.#health = this.#deps.startHealth(this.#spec, this.pool)
        resolve()
      }
      server.once('error', onError)
      server.once('listening', onListening)
      server.listen({ host: spec.address, port: spec.port })
    })
  }

  update(spec: ListenerSpec): void {
    this.#spec = spec
    updatePool(this.pool, spec)
    this.#forwarder.configure(spec)
    this.#health?.update(spec)
  }

  /**
   * A stopped listener stops forwarding, as in the cloud: new connections are refused, requests in
   * flight and idle keep-alive connections are closed, and so are the connections to the backends.
   */
  stop(): Promise<void> {
    this.#stopping ??= new Promise<void>((resolve) => {
      this.#health?.stop()
      this.#forwarder.stopped = true
      if (!this.#server.listening) {
        this.#forwarder.close()
        resolve()
        return
      }
      this.#server.close(() => resolve())
      this.pool.closeAll()
      this.#server.closeAllConnections()
      this.#forwarder.close()
    })
    return this.#stopping
  }
}
