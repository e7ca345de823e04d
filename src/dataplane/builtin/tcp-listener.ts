/**
 * A TCP listener: accepts on the load balancer's address and port, picks a backend per connection
 * and copies bytes both ways with backpressure and half-close, until both sides are done.
 */
import net from 'node:net'
import type { BackendPool, Closable, PickedBackend } from './backend-pool.js'
import { createPool, updatePool } from './listener.js'
import type { HealthMonitor, ListenerDeps, RunningListener } from './listener.js'
import { SourcePersistence } from './persistence.js'
import type { ListenerSpec } from '../snapshot.js'

/** Used when the spec says 0: a blackholed backend must not hold the client for the OS's minutes. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000

/** What a session needs of its listener, read at connection time so an update reaches the next one. */
interface ListenerState {
  spec: ListenerSpec
  readonly pool: BackendPool
  readonly persistence: SourcePersistence
  /** Every accepted client socket, so stop() can close those the pool does not track yet. */
  readonly clients: Set<net.Socket>
}

const kSession = Symbol('openslb.tcp.session')
type SessionSocket = net.Socket & { [kSession]: TcpSession }

/**
 * One client connection and its backend connection. The event handlers are module functions that
 * find the session on the socket, so a connection costs one object and no closures.
 */
class TcpSession implements Closable {
  readonly state: ListenerState
  readonly client: SessionSocket
  readonly backend: SessionSocket
  readonly picked: PickedBackend
  readonly sourceIp: string
  release: (() => void) | undefined = undefined
  connected = false
  /** Sockets of the pair not yet closed; the session ends at 0. */
  open = 2

  constructor(state: ListenerState, client: net.Socket, picked: PickedBackend, sourceIp: string) {
    this.state = state
    this.picked = picked
    this.sourceIp = sourceIp
    this.client = client as SessionSocket
    this.client[kSession] = this
    client.on('error', ignore)
    client.on('close', onClientClose)
    client.on('timeout', onTimeout)

    const spec = state.spec
    const backend = net.connect({
      host: picked.target.address,
      port: picked.target.port,
      allowHalfOpen: true,
      noDelay: true,
    }) as SessionSocket
    backend[kSession] = this
    this.backend = backend
    backend.setTimeout(spec.connectTimeoutMs > 0 ? spec.connectTimeoutMs : DEFAULT_CONNECT_TIMEOUT_MS)
    backend.once('connect', onBackendConnect)
    backend.on('error', onBackendError)
    backend.on('close', onBackendClose)
    backend.on('timeout', onTimeout)
  }

  /** Drain timeout or listener stop: both sides go at once. */
  destroy(): void {
    this.client.destroy()
    this.backend.destroy()
  }

  end(): void {
    this.release?.()
    if (this.connected) this.picked.addBytes(this.client.bytesRead, this.client.bytesWritten)
    const persistence = this.state.persistence
    if (persistence.enabled) persistence.touch(this.sourceIp, this.picked.target.id, Date.now())
  }
}

function ignore(): void {}

function onBackendConnect(this: SessionSocket): void {
  const session = this[kSession]
  const { client } = session
  session.connected = true
  session.release = session.picked.track(session)
  this.setTimeout(0)
  const idle = session.state.spec.idleTimeoutMs
  // Activity either way passes through the client socket, so one timer covers the connection.
  if (idle > 0) client.setTimeout(idle)
  client.pipe(this)
  this.pipe(client)
}

function onBackendError(this: SessionSocket): void {
  const session = this[kSession]
  if (!session.connected) session.picked.addFailure()
}

// Idle (EstablishedTimeout) on the client, connect timeout on the backend: either ends the pair.
function onTimeout(this: SessionSocket): void {
  const session = this[kSession]
  if (!session.connected) {
    session.picked.addFailure()
    session.client.resetAndDestroy()
  }
  session.destroy()
}

// A side that closed cleanly has ended both ways, so the other side only needs its own FIN to
// flush; a side that closed before the other stopped sending takes the other with it, and a reset
// is passed on as a reset, as an L4 balancer does.
function onClientClose(this: SessionSocket, hadError: boolean): void {
  const session = this[kSession]
  const { backend } = session
  session.state.clients.delete(this)
  if (!backend.destroyed && (hadError || !backend.readableEnded)) {
    if (hadError && session.connected) backend.resetAndDestroy()
    else backend.destroy()
  }
  if (--session.open === 0) session.end()
}

function onBackendClose(this: SessionSocket, hadError: boolean): void {
  const session = this[kSession]
  const { client } = session
  if (!client.destroyed) {
    // A backend that refused, timed out or reset: the client sees a reset, as from the backend itself.
    if (!session.connected || hadError) client.resetAndDestroy()
    else if (!client.readableEnded) client.destroy()
  }
  if (--session.open === 0) session.end()
}

export class TcpListener implements RunningListener {
  readonly pool: BackendPool
  readonly #deps: ListenerDeps
  readonly #state: ListenerState
  readonly #server: net.Server
  #health: HealthMonitor | undefined
  #stopping: Promise<void> | undefined

  constructor(spec: ListenerSpec, deps: ListenerDeps) {
    this.pool = createPool(spec)
    this.#deps = deps
    const persistence = new SourcePersistence()
    persistence.setTimeout(spec.persistenceTimeoutMs)
    this.#state = { spec, pool: this.pool, persistence, clients: new Set() }
    this.#server = net.createServer({ allowHalfOpen: true, noDelay: true }, this.#accept)
  }

  start(): Promise<void> {
    const server = this.#server
    const spec = this.#state.spec
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        server.off('listening', onListening)
        reject(err)
      }
      const onListening = (): void => {
        server.off('error', onError)
        // Accept errors (EMFILE) must not crash the process; the client just is not served.
        server.on('error', ignore)
        this.#health = this.#deps.startHealth(this.#state.spec, this.pool)
        resolve()
      }
      server.once('error', onError)
      server.once('listening', onListening)
      server.listen({ host: spec.address, port: spec.port })
    })
  }

  update(spec: ListenerSpec): void {
    this.#state.spec = spec
    updatePool(this.pool, spec)
    this.#state.persistence.setTimeout(spec.persistenceTimeoutMs)
    this.#health?.update(spec)
  }

  /**
   * A stopped listener stops forwarding, as in the cloud: new connections are refused and
   * established ones are closed, not drained.
   */
  stop(): Promise<void> {
    this.#stopping ??= new Promise<void>((resolve) => {
      this.#health?.stop()
      this.#state.persistence.clear()
      if (!this.#server.listening) {
        resolve()
        return
      }
      this.#server.close(() => resolve())
      for (const client of this.#state.clients) client.destroy()
      this.pool.closeAll()
    })
    return this.#stopping
  }

  #accept = (client: net.Socket): void => {
    const sourceIp = client.remoteAddress
    if (sourceIp === undefined || this.#stopping !== undefined) {
      client.destroy()
      return
    }
    const { spec, pool, persistence } = this.#state
    let picked: PickedBackend | undefined
    let now = 0
    if (persistence.enabled) {
      now = Date.now()
      picked = persistence.lookup(pool, sourceIp, now)
    }
    picked ??= pool.pick({
      sourceIp,
      sourcePort: client.remotePort,
      destinationIp: spec.address,
      destinationPort: spec.port,
    })
    if (picked === undefined) {
      // No backend may take it: a reset says so at once, rather than a FIN that looks like a served
      // connection.
      client.on('error', ignore)
      client.resetAndDestroy()
      return
    }
    if (persistence.enabled) persistence.touch(sourceIp, picked.target.id, now)
    this.#state.clients.add(client)
    new TcpSession(this.#state, client, picked, sourceIp)
  }
}
