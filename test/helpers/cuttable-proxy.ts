/**
 * A TCP relay on loopback that a test can cut (every connection dropped, new ones refused) and
 * restore on the same port: a database that goes away and comes back, without touching the database.
 */
import net from 'node:net'
import type { TestContext } from 'node:test'

export interface CuttableProxy {
  readonly port: number
  cut(): Promise<void>
  restore(): Promise<void>
}

export async function startCuttableProxy(t: Pick<TestContext, 'after'>, host: string, port: number): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>()
  const track = (socket: net.Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
  }
  const server = net.createServer((client) => {
    const upstream = net.connect({ host, port })
    track(client)
    track(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  const listen = (at: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(at, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  await listen(0)
  const bound = (server.address() as net.AddressInfo).port
  const cut = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve()
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
  t.after(cut)
  return { port: bound, cut, restore: () => listen(bound) }
}
