/** HTTP health checks against a real loopback server: method, URI, Host header, status classes. */
import assert from 'node:assert/strict'
import http from 'node:http'
import type net from 'node:net'
import { test } from 'node:test'
import type { HealthStatus } from '../../../src/dataplane/driver.js'
import { httpProbe } from '../../../src/dataplane/health/http-probe.js'
import { HealthMonitor } from '../../../src/dataplane/health/monitor.js'
import type { BackendTarget, HealthCheckSpec } from '../../../src/dataplane/snapshot.js'

const BACKEND = '127.0.0.3'

function spec(over: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return {
    type: 'http',
    port: undefined,
    intervalMs: 50,
    timeoutMs: 1000,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    uri: '/ok',
    domain: '',
    method: 'head',
    httpCodes: ['http_2xx'],
    request: '',
    expect: '',
    ...over,
  }
}

function target(port: number): BackendTarget {
  return { id: 'a', serverId: 'i-a', address: BACKEND, port, weight: 100, available: true }
}

interface Seen {
  readonly method: string
  readonly url: string
  readonly host: string | undefined
  readonly connection: string | undefined
}

/**
 * Answers by path: /ok 200, /missing 404, /moved 302, /broken 500, /big 200 with a 1 MiB body,
 * /hang never answers. Records every request; closed with its connections when the test ends.
 */
async function httpBackend(t: { after(fn: () => unknown): void }): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = http.createServer((req, res) => {
    const { host, connection } = req.headers
    seen.push({ method: req.method ?? '', url: req.url ?? '', host, connection })
    const path = (req.url ?? '').split('?')[0]
    if (path === '/hang') return
    const status = { '/ok': 200, '/missing': 404, '/moved': 302, '/broken': 500, '/big': 200 }[path ?? ''] ?? 404
    if (path === '/big') {
      res.writeHead(status, { 'content-type': 'application/octet-stream' })
      res.end(Buffer.alloc(1024 * 1024, 120))
      return
    }
    res.writeHead(status, { 'content-type': 'text/plain' })
    res.end('body')
  })
  await new Promise<void>((resolve) => server.listen(0, BACKEND, () => resolve()))
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { port: (server.address() as net.AddressInfo).port, seen }
}

const live = (): AbortSignal => new AbortController().signal

async function waitFor(what: string, condition: () => boolean, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

test('the HTTP probe sends HEAD or GET of the URI with Host = domain or the member IP', async (t) => {
  const { port, seen } = await httpBackend(t)

  assert.equal(await httpProbe(target(port), spec(), live()), true)
  assert.deepEqual(seen.at(-1), { method: 'HEAD', url: '/ok', host: BACKEND, connection: 'close' })

  assert.equal(await httpProbe(target(port), spec({ method: 'get', domain: 'www.example.com' }), live()), true)
  assert.deepEqual(seen.at(-1), { method: 'GET', url: '/ok', host: 'www.example.com', connection: 'close' })

  // `$_ip` spelled out means the member IP too; an empty URI is '/'.
  assert.equal(await httpProbe(target(port), spec({ domain: '$_ip', uri: '/ok?probe=1' }), live()), true)
  assert.deepEqual(seen.at(-1), { method: 'HEAD', url: '/ok?probe=1', host: BACKEND, connection: 'close' })
  assert.equal(await httpProbe(target(port), spec({ uri: '' }), live()), false)
  assert.equal(seen.at(-1)?.url, '/')

  // A large GET body is cut after a cap, the status still decides.
  assert.equal(await httpProbe(target(port), spec({ method: 'get', uri: '/big' }), live()), true)
  assert.equal(seen.at(-1)?.url, '/big')
  assert.equal(seen.length, 5)
})

test('the HTTP probe accepts exactly the listed status classes', async (t) => {
  const { port } = await httpBackend(t)
  const cases: Array<[string, HealthCheckSpec['httpCodes'], boolean]> = [
    ['/ok', ['http_2xx'], true],
    ['/ok', [], true],
    ['/ok', ['http_3xx', 'http_4xx'], false],
    ['/missing', ['http_2xx'], false],
    ['/missing', ['http_4xx'], true],
    ['/missing', [], false],
    ['/moved', ['http_2xx'], false],
    ['/moved', ['http_2xx', 'http_3xx'], true],
    ['/broken', ['http_2xx', 'http_3xx', 'http_4xx'], false],
    ['/broken', ['http_5xx'], true],
  ]
  for (const [uri, httpCodes, expected] of cases) {
    for (const method of ['head', 'get'] as const) {
      const healthy = await httpProbe(target(port), spec({ uri, httpCodes, method }), live())
      assert.equal(healthy, expected, `${method} ${uri} with ${httpCodes.join(',')}`)
    }
  }
})

test('the HTTP probe fails on a silent backend once aborted, on a closed port, and on a bad URI', async (t) => {
  const { port, seen } = await httpBackend(t)
  const controller = new AbortController()
  const pending = httpProbe(target(port), spec({ uri: '/hang' }), controller.signal)
  await waitFor('the request', () => seen.some((s) => s.url === '/hang'))
  controller.abort()
  assert.equal(await pending, false)

  assert.equal(await httpProbe(target(port), spec(), AbortSignal.abort()), false)
  assert.equal(await httpProbe(target(port), spec({ port: 1 }), live()), false)
  assert.equal(await httpProbe(target(port), spec({ uri: '/with space' }), live()), false)
})

test('HTTP members: a 404 is abnormal with http_2xx and normal with http_4xx', async (t) => {
  const { port, seen } = await httpBackend(t)
  const events: HealthStatus[] = []
  const monitor = new HealthMonitor(spec({ uri: '/missing', method: 'get' }), [target(port)], (_, s) => events.push(s))
  t.after(() => monitor.stop())
  await waitFor('abnormal', () => monitor.status('a') === 'abnormal')

  monitor.update(spec({ uri: '/missing', method: 'get', httpCodes: ['http_4xx'] }), [target(port)])
  await waitFor('normal', () => monitor.status('a') === 'normal')
  assert.deepEqual(events, ['unavailable', 'abnormal', 'normal'])
  assert.ok(seen.every((s) => s.method === 'GET' && s.url === '/missing' && s.host === BACKEND))
})
