/**
 * Small backend servers on loopback addresses (127.0.0.2, 127.0.0.3, …) for data-plane tests: each
 * says who it is and echoes, counts what it served, and is stopped when the test ends.
 */
import { createHash } from 'node:crypto'
import dgram from 'node:dgram'
import http from 'node:http'
import net from 'node:net'
import type { TestContext } from 'node:test'

type Hook = Pick<TestContext, 'after'>

export interface TcpBackend {
  readonly name: string
  readonly address: string
  readonly port: number
  /** Connections accepted so far. */
  readonly accepted: number
  close(): Promise<void>
}

/**
 * A TCP backend that writes `${name}\n` when a connection opens, then echoes every byte. When the
 * client half-closes it still sends the rest and a last `bye\n` a moment later, then ends its side.
 */
export async function startTcpBackend(t: Hook, address: string, name: string, port = 0): Promise<TcpBackend> {
  const sockets = new Set<net.Socket>()
  let accepted = 0
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    accepted += 1
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    socket.write(`${name}\n`)
    socket.pipe(socket, { end: false })
    socket.on('end', () => {
      setTimeout(() => socket.end('bye\n'), 10).unref()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, address, () => resolve())
  })
  const bound = (server.address() as net.AddressInfo).port
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
    return closing
  }
  t.after(close)
  return {
    name,
    address,
    port: bound,
    get accepted() {
      return accepted
    },
    close,
  }
}

export interface UdpBackend {
  readonly name: string
  readonly address: string
  readonly port: number
  /** `address:port` of every peer that sent a datagram (the proxy's flow sockets). */
  readonly peers: ReadonlySet<string>
  readonly datagrams: number
  close(): Promise<void>
}

/** A UDP backend that answers each datagram with `${name}:${payload}`; on `port`, or any free one. */
export async function startUdpBackend(t: Hook, address: string, name: string, port = 0): Promise<UdpBackend> {
  const socket = dgram.createSocket('udp4')
  const peers = new Set<string>()
  let datagrams = 0
  socket.on('message', (msg, rinfo) => {
    datagrams += 1
    peers.add(`${rinfo.address}:${rinfo.port}`)
    socket.send(Buffer.concat([Buffer.from(`${name}:`), msg]), rinfo.port, rinfo.address)
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, address, () => resolve())
  })
  const bound = socket.address().port
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => socket.close(() => resolve()))
    return closing
  }
  t.after(close)
  return {
    name,
    address,
    port: bound,
    peers,
    get datagrams() {
      return datagrams
    },
    close,
  }
}

export interface HttpBackend {
  readonly name: string
  readonly address: string
  readonly port: number
  /** Requests received so far. */
  readonly requests: number
  /** Client connections open right now (the proxy's pooled keep-alive connections). */
  readonly openConnections: number
  /** Requests whose connection closed before the answer was complete (the proxy aborted them). */
  readonly aborted: number
  close(): Promise<void>
}

/** Deterministic bytes for large bodies: byte i is i mod 251. */
export function patternBytes(size: number): Buffer {
  const out = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) out[i] = i % 251
  return out
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/**
 * An HTTP/1.1 backend that sends `X-Backend: ${name}` on every answer. Paths:
 * - anything else: 200 with JSON `{ backend, method, url, headers }` (the request headers as received);
 * - `/set-cookie?v=<Set-Cookie value>`: the JSON answer plus that Set-Cookie;
 * - `/slow?ms=N`: the JSON answer after N ms;
 * - `/drip?chunks=N&ms=M`: headers at once, then N chunks of `${name}\n` M ms apart;
 * - `/upload`: reads the body, answers JSON `{ backend, bytes, sha256 }`;
 * - `/download?bytes=N`: N pattern bytes (see patternBytes) in 64 KiB writes with backpressure.
 */
export async function startHttpBackend(t: Hook, address: string, name: string): Promise<HttpBackend> {
  const sockets = new Set<net.Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let requests = 0
  let aborted = 0
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timers.add(timer)
  }
  const server = http.createServer((req, res) => {
    requests += 1
    const url = new URL(req.url ?? '/', 'http://backend')
    const echo = (): string =>
      JSON.stringify({ backend: name, method: req.method, url: req.url, headers: req.headers })
    res.setHeader('X-Backend', name)
    res.on('close', () => {
      if (!res.writableFinished) aborted += 1
    })
    switch (url.pathname) {
      case '/set-cookie':
        res.setHeader('Set-Cookie', url.searchParams.get('v') ?? '')
        res.end(echo())
        return
      case '/slow':
        later(Number(url.searchParams.get('ms') ?? 0), () => res.end(echo()))
        return
      case '/drip': {
        let left = Number(url.searchParams.get('chunks') ?? 1)
        const ms = Number(url.searchParams.get('ms') ?? 10)
        res.flushHeaders()
        const drip = (): void => {
          if (res.destroyed) return
          res.write(`${name}\n`)
          if (--left > 0) later(ms, drip)
          else res.end()
        }
        later(ms, drip)
        return
      }
      case '/upload': {
        const hash = createHash('sha256')
        let bytes = 0
        req.on('data', (chunk: Buffer) => {
          bytes += chunk.length
          hash.update(chunk)
        })
        req.on('end', () => res.end(JSON.stringify({ backend: name, bytes, sha256: hash.digest('hex') })))
        return
      }
      case '/download': {
        const body = patternBytes(Number(url.searchParams.get('bytes') ?? 0))
        res.setHeader('Content-Length', body.length)
        let offset = 0
        const pump = (): void => {
          while (offset < body.length) {
            const end = Math.min(offset + 65_536, body.length)
            const more = res.write(body.subarray(offset, end))
            offset = end
            if (!more) {
              res.once('drain', pump)
              return
            }
          }
          res.end()
        }
        pump()
        return
      }
      default:
        res.end(echo())
    }
  })
  // Idle connections stay open as long as nginx keeps them (75 s), longer than any test waits.
  server.keepAliveTimeout = 75_000
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, address, () => resolve())
  })
  const port = (server.address() as net.AddressInfo).port
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
    return closing
  }
  t.after(close)
  return {
    name,
    address,
    port,
    get requests() {
      return requests
    },
    get openConnections() {
      return sockets.size
    },
    get aborted() {
      return aborted
    },
    close,
  }
}
