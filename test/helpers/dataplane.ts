/**
 * Data-plane test tools: listener specs with test defaults, free ports on loopback addresses,
 * TCP and UDP clients that read with bounded waits, and polling with a deadline.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import type { TestContext } from 'node:test'
import type { BackendTarget, ListenerSpec } from '../../src/dataplane/snapshot.js'

type Hook = Pick<TestContext, 'after'>

/** How long any single wait in a data-plane test may take before the test fails. */
export const WAIT_MS = 5_000

export function target(id: string, address: string, port: number, weight = 100, available = true): BackendTarget {
  return { id, serverId: id, address, port, weight, available }
}

type Required = Pick<ListenerSpec, 'protocol' | 'address' | 'port' | 'backends'>

/** A listener spec with the defaults of a plain TCP/UDP listener; the key follows the snapshot's format. */
export function listenerSpec(spec: Required & Partial<ListenerSpec>): ListenerSpec {
  return {
    key: `lb-test/${spec.protocol}/${spec.port}`,
    loadBalancerId: 'lb-test',
    scheduler: 'wrr',
    healthCheck: undefined,
    connectTimeoutMs: 2_000,
    idleTimeoutMs: 0,
    persistenceTimeoutMs: 0,
    drainTimeoutMs: undefined,
    http: undefined,
    ...spec,
  }
}

/** A port nobody uses at `address` right now (bound to port 0, then released). */
export async function freePort(address: string, kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const socket = dgram.createSocket('udp4')
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, address, () => resolve())
    })
    const port = socket.address().port
    await new Promise<void>((resolve) => socket.close(() => resolve()))
    return port
  }
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, address, () => resolve())
  })
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export function withTimeout<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Polls `check` until it holds; fails the test when it still does not after `ms`. */
export async function eventually(check: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still not true after ${ms} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export interface TcpClient {
  readonly socket: net.Socket
  /** Everything received so far. */
  received(): Buffer
  /** Resolves with the first `n` lines once they arrived. */
  lines(n: number): Promise<string[]>
  /** Resolves once at least `n` bytes arrived. */
  bytes(n: number): Promise<Buffer>
  /** Resolves when the peer ended its side (FIN). */
  readonly ended: Promise<void>
  /** Resolves when the socket closed, with the error that closed it, if any. */
  readonly closed: Promise<{ error: NodeJS.ErrnoException | undefined }>
}

/** Connects (rejects when refused) and collects what arrives; destroyed when the test ends. */
export async function tcpConnect(t: Hook, host: string, port: number): Promise<TcpClient> {
  const socket = net.connect({ host, port })
  t.after(() => socket.destroy())
  const chunks: Buffer[] = []
  let size = 0
  let wake: (() => void) | undefined
  let error: NodeJS.ErrnoException | undefined
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk)
    size += chunk.length
    wake?.()
  })
  socket.on('error', (err) => {
    error = err
  })
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()))
  const closed = new Promise<{ error: NodeJS.ErrnoException | undefined }>((resolve) => {
    socket.once('close', () => {
      wake?.()
      resolve({ error })
    })
  })
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('error', reject)
    }),
    `connect to ${host}:${port}`,
  )
  const received = (): Buffer => Buffer.concat(chunks, size)
  const until = async <T>(what: string, value: () => T | undefined): Promise<T> => {
    const found = value()
    if (found !== undefined) return found
    return withTimeout(
      new Promise<T>((resolve, reject) => {
        wake = () => {
          const now = value()
          if (now !== undefined) resolve(now)
          else if (socket.destroyed) reject(new Error(`closed before ${what}`))
        }
      }),
      what,
    ).finally(() => {
      wake = undefined
    })
  }
  return {
    socket,
    received,
    lines: (n) =>
      until(`${n} lines`, () => {
        const lines = received().toString().split('\n')
        return lines.length > n ? lines.slice(0, n) : undefined
      }),
    bytes: (n) => until(`${n} bytes`, () => (size >= n ? received() : undefined)),
    ended,
    closed,
  }
}

/** Whether a new connection to host:port is refused (the listener is not bound). */
export function refused(host: string, port: number): Promise<boolean> {
  return withTimeout(
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port })
      socket.once('connect', () => {
        socket.destroy()
        resolve(false)
      })
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
    }),
    `connect to ${host}:${port}`,
  )
}

export interface UdpClient {
  readonly socket: dgram.Socket
  /** Sends one datagram to host:port and resolves with the next one that comes back. */
  request(host: string, port: number, payload: string | Buffer): Promise<string>
}

/** A UDP client socket on its own port (one flow at the listener); closed when the test ends. */
export async function udpClient(t: Hook): Promise<UdpClient> {
  const socket = dgram.createSocket('udp4')
  t.after(() => new Promise<void>((resolve) => socket.close(() => resolve())))
  const inbox: string[] = []
  let wake: (() => void) | undefined
  socket.on('message', (msg) => {
    inbox.push(msg.toString())
    wake?.()
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => resolve())
  })
  return {
    socket,
    request(host, port, payload) {
      inbox.length = 0
      const reply = new Promise<string>((resolve) => {
        wake = () => {
          const first = inbox.shift()
          if (first !== undefined) resolve(first)
        }
      })
      socket.send(payload, port, host)
      return withTimeout(reply, `reply to ${payload.toString()}`).finally(() => {
        wake = undefined
      })
    },
  }
}
