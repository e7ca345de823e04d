/**
 * The builtin HTTP listener on real loopback sockets: per-request weighted split over keep-alive,
 * forwarded headers, sticky sessions, generated errors, streamed bodies, drain on update, and stop.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import net from 'node:net'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { HttpListener, INSERT_COOKIE } from '../../../src/dataplane/builtin/http-listener.js'
import { noHealthChecks } from '../../../src/dataplane/builtin/listener.js'
import type { HttpOptions, ListenerSpec } from '../../../src/dataplane/snapshot.js'
import { patternBytes, sha256, startHttpBackend, type HttpBackend } from '../../helpers/backends.js'
import { eventually, freePort, listenerSpec, refused, target, withTimeout } from '../../helpers/dataplane.js'

const LB = '127.1.5.1'

const HTTP: HttpOptions = {
  xForwardedFor: true,
  xForwardedProto: false,
  xForwardedSlbId: false,
  xForwardedSlbIp: false,
  xForwardedSlbPort: false,
  xForwardedClientSrcPort: false,
  stickySession: undefined,
  idleTimeoutMs: 15_000,
  requestTimeoutMs: 60_000,
}

async function httpSpec(
  backends: ListenerSpec['backends'],
  http: Partial<HttpOptions> = {},
  extra: Partial<ListenerSpec> = {},
): Promise<ListenerSpec> {
  return listenerSpec({
    protocol: 'http',
    address: LB,
    port: await freePort(LB),
    backends,
    http: { ...HTTP, ...http },
    ...extra,
  })
}

async function startListener(t: TestContext, spec: ListenerSpec): Promise<HttpListener> {
  const listener = new HttpListener(spec, { startHealth: noHealthChecks })
  await withTimeout(listener.start(), 'listener start')
  t.after(() => listener.stop())
  return listener
}

async function threeBackends(t: TestContext): Promise<[HttpBackend, HttpBackend, HttpBackend]> {
  return Promise.all([
    startHttpBackend(t, '127.0.0.2', 'a'),
    startHttpBackend(t, '127.0.0.3', 'b'),
    startHttpBackend(t, '127.0.0.4', 'c'),
  ])
}

/** One keep-alive connection at a time to the listener, closed when the test ends. */
function keepAliveAgent(t: TestContext): http.Agent {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.after(() => agent.destroy())
  return agent
}

interface Reply {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
  /** The client's own port on its connection to the listener. */
  readonly localPort: number | undefined
}

interface Call {
  readonly path?: string
  readonly method?: string
  readonly headers?: http.OutgoingHttpHeaders
  readonly body?: Buffer | readonly Buffer[]
  readonly agent?: http.Agent
}

function call(spec: ListenerSpec, options: Call = {}): Promise<Reply> {
  const done = new Promise<Reply>((resolve, reject) => {
    const req = http.request({
      host: spec.address,
      port: spec.port,
      path: options.path ?? '/',
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers: options.headers,
      agent: options.agent ?? false,
    })
    req.on('error', reject)
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, localPort: req.socket?.localPort })
      })
    })
    const body = options.body
    if (body === undefined) req.end()
    else if (Buffer.isBuffer(body)) req.end(body)
    else {
      // Pieces without a Content-Length: Node sends them chunked.
      for (const piece of body) req.write(piece)
      req.end()
    }
  })
  return withTimeout(done, `${options.method ?? 'GET'} ${options.path ?? '/'}`)
}

interface Echo {
  readonly backend: string
  readonly headers: Record<string, string | undefined>
}

function echo(reply: Reply): Echo {
  assert.equal(reply.status, 200, reply.body.toString())
  return JSON.parse(reply.body.toString()) as Echo
}

function statsOf(listener: HttpListener, id: string) {
  const row = listener.pool.stats().find((s) => s.backendId === id)
  assert.ok(row, `stats of ${id}`)
  return row
}

test('wrr 100/50/0: 300 requests over one keep-alive connection split exactly 200/100/0', async (t) => {
  const [a, b, c] = await threeBackends(t)
  const spec = await httpSpec([
    target('a', a.address, a.port, 100),
    target('b', b.address, b.port, 50),
    target('c', c.address, c.port, 0),
  ])
  const listener = await startListener(t, spec)
  const agent = keepAliveAgent(t)
  const counts: Record<string, number> = { a: 0, b: 0, c: 0 }
  const ports = new Set<number | undefined>()
  for (let i = 0; i < 300; i++) {
    const reply = await call(spec, { agent })
    ports.add(reply.localPort)
    const name = reply.headers['x-backend'] as string
    counts[name] = (counts[name] ?? 0) + 1
  }
  assert.deepEqual(counts, { a: 200, b: 100, c: 0 })
  assert.equal(ports.size, 1, 'every request used the same client connection')
  assert.deepEqual([a.requests, b.requests, c.requests], [200, 100, 0])
  assert.equal(statsOf(listener, 'a').requests, 200)
  assert.equal(statsOf(listener, 'b').requests, 100)
  assert.equal(statsOf(listener, 'c').requests, 0)
  // Requests reuse pooled connections to the backends rather than opening one each.
  assert.ok(a.openConnections <= 2 && b.openConnections <= 2, `${a.openConnections}/${b.openConnections}`)
})

test('forwarded headers: X-Forwarded-For appended, the SLB headers exactly when enabled', async (t) => {
  const a = await startHttpBackend(t, '127.0.0.2', 'a')
  const all = {
    xForwardedFor: true,
    xForwardedProto: true,
    xForwardedSlbId: true,
    xForwardedSlbIp: true,
    xForwardedSlbPort: true,
    xForwardedClientSrcPort: true,
  }
  const spec = await httpSpec([target('a', a.address, a.port)], all, { loadBalancerId: 'lb-fwd' })
  const listener = await startListener(t, spec)
  const headers = {
    Host: 'shop.example.test',
    'X-Forwarded-For': '203.0.113.7',
    'SLB-ID': 'spoofed',
    'X-Forwarded-Proto': 'https',
    Connection: 'keep-alive, X-Private',
    'X-Private': 'hop',
    'Keep-Alive': 'timeout=5',
    'Proxy-Connection': 'keep-alive',
    'X-App': 'kept',
  }

  const on = await call(spec, { headers })
  const seen = echo(on).headers
  assert.equal(seen['x-forwarded-for'], '203.0.113.7, 127.0.0.1')
  assert.equal(seen['x-forwarded-proto'], 'http')
  assert.equal(seen['slb-id'], 'lb-fwd')
  assert.equal(seen['slb-ip'], LB)
  assert.equal(seen['x-forwarded-port'], String(spec.port))
  assert.equal(seen['x-forwarded-client-srcport'], String(on.localPort))
  assert.equal(seen.host, 'shop.example.test')
  assert.equal(seen['x-app'], 'kept')
  for (const hop of ['x-private', 'keep-alive', 'proxy-connection']) assert.equal(seen[hop], undefined, hop)
  // The response's own hop-by-hop headers are the listener's, not the backend's.
  assert.equal(on.headers['x-backend'], 'a')

  // All off: the client's headers pass untouched, none of the listener's are added.
  const off = Object.fromEntries(Object.keys(all).map((k) => [k, false]))
  listener.update({ ...spec, http: { ...HTTP, ...off } })
  const plain = echo(await call(spec, { headers })).headers
  assert.equal(plain['x-forwarded-for'], '203.0.113.7')
  assert.equal(plain['x-forwarded-proto'], 'https')
  assert.equal(plain['slb-id'], 'spoofed')
  for (const absent of ['slb-ip', 'x-forwarded-port', 'x-forwarded-client-srcport']) {
    assert.equal(plain[absent], undefined, absent)
  }

  // X-Forwarded-For alone (Alibaba's default): created when the client sent none.
  listener.update({ ...spec, http: HTTP })
  const fresh = echo(await call(spec)).headers
  assert.equal(fresh['x-forwarded-for'], '127.0.0.1')
  assert.equal(fresh['x-forwarded-proto'], undefined)
  assert.equal(fresh['slb-id'], undefined)
})

test('HEAD answers without a body, and the kept-alive connection carries on', async (t) => {
  const a = await startHttpBackend(t, '127.0.0.2', 'a')
  const spec = await httpSpec([target('a', a.address, a.port)])
  await startListener(t, spec)
  const agent = keepAliveAgent(t)
  const head = await call(spec, { agent, method: 'HEAD', path: `/download?bytes=1000` })
  assert.equal(head.status, 200)
  assert.equal(head.headers['content-length'], '1000')
  assert.equal(head.body.length, 0)
  const next = await call(spec, { agent, path: '/download?bytes=1000' })
  assert.equal(next.localPort, head.localPort)
  assert.deepEqual(next.body, patternBytes(1000))
  // A client asking to close gets its answer, then the listener closes the connection.
  const last = await call(spec, { agent, headers: { Connection: 'close' } })
  assert.equal(echo(last).backend, 'a')
  assert.equal(last.headers.connection, 'close')
})

test('sticky insert: SERVERID set once, followed, and replaced when its backend drains', async (t) => {
  const [a, b] = await threeBackends(t)
  const sticky = { type: 'insert' as const, cookieTimeoutSeconds: 1000, cookie: '' }
  const spec = await httpSpec([target('a', a.address, a.port), target('b', b.address, b.port)], {
    stickySession: sticky,
  })
  const listener = await startListener(t, spec)
  const agent = keepAliveAgent(t)

  const first = await call(spec, { agent })
  const setCookie = first.headers['set-cookie']
  assert.equal(setCookie?.length, 1)
  const match = new RegExp(`^${INSERT_COOKIE}=([0-9a-f]{32}); Max-Age=1000; Path=/$`).exec(setCookie[0] as string)
  assert.ok(match, setCookie[0])
  const pinned = first.headers['x-backend'] as string
  const cookie = `theme=dark; ${INSERT_COOKIE}=${match[1]}`
  for (let i = 0; i < 6; i++) {
    const reply = await call(spec, { agent, headers: { Cookie: cookie } })
    assert.equal(reply.headers['x-backend'], pinned)
    assert.equal(reply.headers['set-cookie'], undefined, 'a valid cookie is not set again')
  }
  // Without the cookie, equal weights alternate.
  const names = new Set<string>()
  for (let i = 0; i < 4; i++) names.add((await call(spec, { agent })).headers['x-backend'] as string)
  assert.deepEqual([...names].sort(), ['a', 'b'])

  // The pinned backend drains: the cookie's requests go elsewhere and get that backend's cookie.
  const other = pinned === 'a' ? 'b' : 'a'
  listener.update({
    ...spec,
    backends: spec.backends.map((m) => (m.id === pinned ? { ...m, weight: 0 } : m)),
  })
  const moved = await call(spec, { agent, headers: { Cookie: cookie } })
  assert.equal(moved.headers['x-backend'], other)
  const again = moved.headers['set-cookie']?.[0] ?? ''
  assert.match(again, new RegExp(`^${INSERT_COOKIE}=[0-9a-f]{32}; Max-Age=1000; Path=/$`))
  assert.notEqual(again.split(';')[0], `${INSERT_COOKIE}=${match[1]}`)
  const followed = await call(spec, { agent, headers: { Cookie: again.split(';')[0] as string } })
  assert.equal(followed.headers['x-backend'], other)
})

test('sticky server: requests carrying the cookie a backend set go to that backend', async (t) => {
  const [a, b] = await threeBackends(t)
  const spec = await httpSpec([target('a', a.address, a.port), target('b', b.address, b.port)], {
    stickySession: { type: 'server', cookieTimeoutSeconds: 0, cookie: 'sid' },
  })
  await startListener(t, spec)
  const agent = keepAliveAgent(t)

  const login = await call(spec, { agent, path: `/set-cookie?v=${encodeURIComponent('sid=s-42; Path=/; HttpOnly')}` })
  const owner = login.headers['x-backend'] as string
  // The application's cookie reaches the client as the backend wrote it.
  assert.deepEqual(login.headers['set-cookie'], ['sid=s-42; Path=/; HttpOnly'])
  for (let i = 0; i < 6; i++) {
    const reply = await call(spec, { agent, headers: { Cookie: 'lang=en; sid=s-42' } })
    assert.equal(reply.headers['x-backend'], owner)
  }
  // A value no backend set is balanced as usual.
  const names = new Set<string>()
  for (let i = 0; i < 4; i++) {
    names.add((await call(spec, { agent, headers: { Cookie: 'sid=unknown' } })).headers['x-backend'] as string)
  }
  assert.deepEqual([...names].sort(), ['a', 'b'])
  // The backend deletes the cookie: the binding goes with it.
  const logout = `/set-cookie?v=${encodeURIComponent('sid=s-42; Max-Age=0')}`
  await call(spec, { agent, path: logout, headers: { Cookie: 'sid=s-42' } })
  const after = new Set<string>()
  for (let i = 0; i < 4; i++) {
    after.add((await call(spec, { agent, headers: { Cookie: 'sid=s-42' } })).headers['x-backend'] as string)
  }
  assert.deepEqual([...after].sort(), ['a', 'b'])
})

test('502 when the backend refuses, 503 without an eligible backend', async (t) => {
  const closedPort = await freePort('127.0.0.2')
  const spec = await httpSpec([target('gone', '127.0.0.2', closedPort)])
  const listener = await startListener(t, spec)

  const refusedReply = await call(spec)
  assert.equal(refusedReply.status, 502)
  assert.match(refusedReply.body.toString(), /<title>502 Bad Gateway<\/title>/)
  assert.equal(refusedReply.headers['content-type'], 'text/html')
  assert.equal(statsOf(listener, 'gone').failures, 1)
  assert.equal(statsOf(listener, 'gone').activeConnections, 0)

  listener.update({ ...spec, backends: [target('gone', '127.0.0.2', closedPort, 0)] })
  const drained = await call(spec)
  assert.equal(drained.status, 503)
  assert.match(drained.body.toString(), /503 Service Temporarily Unavailable/)

  listener.update({ ...spec, backends: [] })
  assert.equal((await call(spec)).status, 503)
})

test('504 when the backend answers later than RequestTimeout; the backend request is closed', async (t) => {
  const a = await startHttpBackend(t, '127.0.0.2', 'a')
  const spec = await httpSpec([target('a', a.address, a.port)], { requestTimeoutMs: 200 })
  const listener = await startListener(t, spec)

  const reply = await call(spec, { path: '/slow?ms=4000' })
  assert.equal(reply.status, 504)
  assert.match(reply.body.toString(), /504 Gateway Time-out/)
  await eventually(() => a.aborted === 1, 'backend saw its request aborted')
  assert.equal(statsOf(listener, 'a').failures, 1)
  // A quick answer on the same listener is unaffected.
  assert.equal(echo(await call(spec, { path: '/slow?ms=1' })).backend, 'a')
})

test('bodies stream both ways: 5 MB upload (sized and chunked) and download arrive intact', async (t) => {
  const a = await startHttpBackend(t, '127.0.0.2', 'a')
  const spec = await httpSpec([target('a', a.address, a.port)])
  const listener = await startListener(t, spec)
  const size = 5 * 1024 * 1024
  const upload = randomBytes(size)

  const sized = JSON.parse((await call(spec, { path: '/upload', body: upload })).body.toString())
  assert.deepEqual(sized, { backend: 'a', bytes: size, sha256: sha256(upload) })

  const pieces = Array.from({ length: 80 }, (_, i) => upload.subarray(i * 65_536, (i + 1) * 65_536))
  const chunked = JSON.parse((await call(spec, { path: '/upload', body: pieces })).body.toString())
  assert.deepEqual(chunked, { backend: 'a', bytes: size, sha256: sha256(upload) })

  const download = await call(spec, { path: `/download?bytes=${size}` })
  assert.equal(download.status, 200)
  assert.equal(download.headers['content-length'], String(size))
  assert.equal(download.body.length, size)
  assert.equal(sha256(download.body), sha256(patternBytes(size)))

  await eventually(() => statsOf(listener, 'a').activeConnections === 0, 'exchanges finished')
  const stats = statsOf(listener, 'a')
  assert.equal(stats.bytesIn, 2 * size)
  assert.ok(stats.bytesOut >= size, `${stats.bytesOut}`)
})

test('a client that leaves aborts its backend request', async (t) => {
  const a = await startHttpBackend(t, '127.0.0.2', 'a')
  const spec = await httpSpec([target('a', a.address, a.port)])
  const listener = await startListener(t, spec)
  const req = http.request({ host: spec.address, port: spec.port, path: '/slow?ms=4000', agent: false })
  req.on('error', () => undefined)
  req.end()
  await eventually(() => a.requests === 1, 'backend got the request')
  req.destroy()
  await eventually(() => a.aborted === 1, 'backend request aborted')
  await eventually(() => statsOf(listener, 'a').activeConnections === 0, 'exchange released')
})

test('an in-flight response survives weight 0 and removal; the drained backend is then let go', async (t) => {
  const [a, b] = await threeBackends(t)
  const spec = await httpSpec([target('a', a.address, a.port)])
  const listener = await startListener(t, spec)
  const agent = keepAliveAgent(t)
  // Warm a pooled connection to a.
  assert.equal(echo(await call(spec, { agent })).backend, 'a')

  const slow = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: spec.address, port: spec.port, path: '/drip?chunks=5&ms=100', agent: false })
    req.on('error', reject)
    req.on('response', (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.end()
  })
  await eventually(() => a.requests === 2, 'slow request reached a')

  listener.update({ ...spec, backends: [target('a', a.address, a.port, 0), target('b', b.address, b.port)] })
  assert.equal(echo(await call(spec, { agent })).backend, 'b')
  listener.update({ ...spec, backends: [target('b', b.address, b.port)] })
  assert.equal(echo(await call(spec, { agent })).backend, 'b')
  assert.equal(statsOf(listener, 'a').activeConnections, 1, 'the drained request is still tracked')

  const done = await withTimeout(slow, 'in-flight response')
  assert.deepEqual(done, { status: 200, body: 'a\n'.repeat(5) })
  // Nothing in flight any more: the removed backend's entry and its pooled connections are gone.
  await eventually(() => listener.pool.stats().every((s) => s.backendId !== 'a'), 'a left the pool')
  await eventually(() => a.openConnections === 0, "a's pooled connections closed")
  assert.equal(a.requests, 2)
})

/**
 * A raw HTTP backend that answers the first request on each connection and, like a server whose
 * keep-alive timer just fired, closes the connection on the next one without answering.
 */
async function oneShotBackend(t: TestContext, address: string): Promise<{ port: number; connections: number }> {
  const state = { port: 0, connections: 0 }
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    state.connections += 1
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    let seen = ''
    let answered = false
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1')
      if (!seen.includes('\r\n\r\n')) return
      if (answered) {
        socket.destroy()
        return
      }
      answered = true
      seen = ''
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Backend: one-shot\r\n\r\nok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, address, () => resolve()))
  state.port = (server.address() as net.AddressInfo).port
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  )
  return state
}

test('a bodiless request whose pooled connection the backend closed is sent again on a new one', async (t) => {
  const backend = await oneShotBackend(t, '127.0.0.2')
  const spec = await httpSpec([target('one', '127.0.0.2', backend.port)])
  const listener = await startListener(t, spec)
  const agent = keepAliveAgent(t)
  for (let i = 0; i < 3; i++) {
    const reply = await call(spec, { agent })
    assert.equal(reply.status, 200)
    assert.equal(reply.body.toString(), 'ok')
  }
  assert.equal(backend.connections, 3)
  assert.equal(statsOf(listener, 'one').failures, 0)
  // A request with a body cannot be replayed: it fails with 502.
  const post = await call(spec, { agent, path: '/', body: Buffer.from('payload') })
  assert.equal(post.status, 502)
})

test('update: new weights apply to the very next request on a kept-alive connection', async (t) => {
  const [a, b] = await threeBackends(t)
  const spec = await httpSpec([target('a', a.address, a.port), target('b', b.address, b.port, 0)])
  const listener = await startListener(t, spec)
  const agent = keepAliveAgent(t)
  assert.equal(echo(await call(spec, { agent })).backend, 'a')
  listener.update({ ...spec, backends: [target('a', a.address, a.port, 0), target('b', b.address, b.port)] })
  for (let i = 0; i < 3; i++) assert.equal(echo(await call(spec, { agent })).backend, 'b')
})

test('IdleTimeout closes an idle client connection, never one with a request in flight', async (t) => {
  const a = await startHttpBackend(t, '127.0.0.2', 'a')
  const spec = await httpSpec([target('a', a.address, a.port)], { idleTimeoutMs: 200, requestTimeoutMs: 5_000 })
  await startListener(t, spec)
  const agent = keepAliveAgent(t)
  // The answer takes longer than IdleTimeout: the connection waits for it.
  const reply = await call(spec, { agent, path: '/slow?ms=600' })
  assert.equal(echo(reply).backend, 'a')
  const sockets = Object.values(agent.freeSockets).flat()
  assert.equal(sockets.length, 1, 'the connection survived its slow request')
  await withTimeout(
    new Promise<void>((resolve) => sockets[0]?.once('close', () => resolve())),
    'idle client connection closed',
  )
})

test('stop refuses new connections and closes idle keep-alive ones', async (t) => {
  const a = await startHttpBackend(t, '127.0.0.2', 'a')
  const spec = await httpSpec([target('a', a.address, a.port)])
  const listener = new HttpListener(spec, { startHealth: noHealthChecks })
  await withTimeout(listener.start(), 'listener start')
  t.after(() => listener.stop())
  const agent = keepAliveAgent(t)
  const reply = await call(spec, { agent })
  assert.equal(echo(reply).backend, 'a')
  const sockets = Object.values(agent.freeSockets).flat()
  assert.equal(sockets.length, 1, 'one idle keep-alive connection')
  const closed = new Promise<void>((resolve) => sockets[0]?.once('close', () => resolve()))

  await withTimeout(listener.stop(), 'listener stop')
  await withTimeout(closed, 'idle client connection closed')
  assert.equal(await refused(spec.address, spec.port), true)
  await eventually(() => a.openConnections === 0, 'backend connections closed')
})
