/**
 * Small backend servers on loopback addresses (127.0.0.2, 127.0.0.3, …) for data-plane tests: each
 * says who it is and echoes, counts what it served, and is stopped when the test ends.
 */
import dgram from 'node:dgram'
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
export async function startTcpBackend(t: Hook, address: string, name: string): Promise<TcpBackend> {
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
    server.listen(0, address, () => resolve())
  })
  const port = (server.address() as net.AddressInfo).port
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
    port,
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

/** A UDP backend that answers each datagram with `${name}:${payload}`. */
export async function startUdpBackend(t: Hook, address: string, name: string): Promise<UdpBackend> {
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
    socket.bind(0, address, () => resolve())
  })
  const port = socket.address().port
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => socket.close(() => resolve()))
    return closing
  }
  t.after(close)
  return {
    name,
    address,
    port,
    peers,
    get datagrams() {
      return datagrams
    },
    close,
  }
}
