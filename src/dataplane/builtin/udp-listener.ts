/**
 * A UDP listener: one flow per client address and port, each with its own connected socket to the
 * backend picked when the flow began, so replies come back on it and go out from the listener's
 * socket to the client. Flows end after the idle timeout; that is also how a drained backend empties.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import type { BackendPool, Closable, PickedBackend } from './backend-pool.js'
import { createPool, updatePool } from './listener.js'
import type { HealthMonitor, ListenerDeps, RunningListener } from './listener.js'
import { SourcePersistence } from './persistence.js'
import type { PickContext } from '../balancer/picker.js'
import type { ListenerSpec } from '../snapshot.js'

/** Flow idle expiry when the spec says 0 (UDP has no EstablishedTimeout of its own). */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 90_000
/** Flows per listener; datagrams that would open more are dropped and counted as failures. */
export const MAX_FLOWS = 10_000
/** Datagrams kept for a flow while its backend socket connects; more are dropped, as UDP may. */
const MAX_PENDING = 64

interface ListenerState {
  spec: ListenerSpec
  readonly pool: BackendPool
  readonly persistence: SourcePersistence
  readonly socket: dgram.Socket
  readonly flows: Map<string, UdpFlow>
}

const kFlow = Symbol('openslb.udp.flow')
type FlowSocket = dgram.Socket & { [kFlow]: UdpFlow }

/** One client's datagrams to one backend; its handlers are module functions (no per-flow closures). */
class UdpFlow implements Closable {
  readonly state: ListenerState
  readonly key: string
  readonly clientAddress: string
  readonly clientPort: number
  readonly picked: PickedBackend
  readonly socket: FlowSocket
  readonly release: () => void
  /** Datagrams received before the backend socket connected; undefined once it has. */
  pending: Buffer[] | undefined = []
  /** Epoch ms of the last datagram either way. */
  last: number
  bytesIn = 0
  bytesOut = 0
  closed = false

  constructor(state: ListenerState, key: string, rinfo: dgram.RemoteInfo, picked: PickedBackend, now: number) {
    this.state = state
    this.key = key
    this.clientAddress = rinfo.address
    this.clientPort = rinfo.port
    this.picked = picked
    this.last = now
    const { address, port } = picked.target
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4') as FlowSocket
    socket[kFlow] = this
    this.socket = socket
    socket.on('message', onReply)
    socket.on('error', onFlowError)
    socket.once('connect', onFlowConnect)
    socket.connect(port, address)
    this.release = picked.track(this)
  }

  forward(msg: Buffer): void {
    this.bytesIn += msg.length
    const pending = this.pending
    if (pending === undefined) this.socket.send(msg)
    else if (pending.length < MAX_PENDING) pending.push(msg)
  }

  /** Idle expiry, drain timeout, backend error or listener stop. */
  destroy(): void {
    if (this.closed) return
    this.closed = true
    this.state.flows.delete(this.key)
    this.socket.close()
    this.release()
    this.picked.addBytes(this.bytesIn, this.bytesOut)
    const persistence = this.state.persistence
    if (persistence.enabled) persistence.touch(this.clientAddress, this.picked.target.id, Date.now())
  }
}

function onFlowConnect(this: FlowSocket): void {
  const flow = this[kFlow]
  const pending = flow.pending
  flow.pending = undefined
  if (flow.closed || pending === undefined) return
  for (const msg of pending) this.send(msg)
}

function onReply(this: FlowSocket, msg: Buffer): void {
  const flow = this[kFlow]
  flow.last = Date.now()
  flow.bytesOut += msg.length
  flow.state.socket.send(msg, flow.clientPort, flow.clientAddress)
}

// On a connected socket an ICMP port unreachable surfaces as ECONNREFUSED: the flow is over and
// the client's next datagram picks again.
function onFlowError(this: FlowSocket): void {
  const flow = this[kFlow]
  flow.picked.addFailure()
  flow.destroy()
}

/**
 * The Destination Connection ID of a QUIC long-header packet (RFC 9000 §17.2: header form and fixed
 * bits set, 4-byte version, 1-byte DCID length ≤ 20, DCID), which qch hashes; undefined otherwise.
 */
export function quicConnectionId(packet: Buffer): Uint8Array | undefined {
  if (packet.length < 7 || (packet[0]! & 0xc0) !== 0xc0) return undefined
  const length = packet[5]!
  if (length === 0 || length > 20 || packet.length < 6 + length) return undefined
  return packet.subarray(6, 6 + length)
}

export class UdpListener implements RunningListener {
  readonly pool: BackendPool
  readonly #deps: ListenerDeps
  readonly #state: ListenerState
  #health: HealthMonitor | undefined
  #sweeper: NodeJS.Timeout | undefined
  #sweepEveryMs = 0
  #bound = false
  #stopping: Promise<void> | undefined

  constructor(spec: ListenerSpec, deps: ListenerDeps) {
    this.pool = createPool(spec)
    this.#deps = deps
    const persistence = new SourcePersistence()
    persistence.setTimeout(spec.persistenceTimeoutMs)
    const socket = dgram.createSocket(net.isIPv6(spec.address) ? 'udp6' : 'udp4')
    this.#state = { spec, pool: this.pool, persistence, socket, flows: new Map() }
  }

  start(): Promise<void> {
    const { socket, spec } = this.#state
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.off('listening', onListening)
        socket.close()
        reject(err)
      }
      const onListening = (): void => {
        socket.off('error', onError)
        // A send to a client that went away must not crash the process; the datagram is lost.
        socket.on('error', ignore)
        socket.on('message', this.#onMessage)
        this.#bound = true
        this.#health = this.#deps.startHealth(this.#state.spec, this.pool)
        resolve()
      }
      socket.once('error', onError)
      socket.once('listening', onListening)
      socket.bind(spec.port, spec.address)
    })
  }

  update(spec: ListenerSpec): void {
    this.#state.spec = spec
    updatePool(this.pool, spec)
    this.#state.persistence.setTimeout(spec.persistenceTimeoutMs)
    if (this.#sweeper !== undefined && sweepInterval(spec) !== this.#sweepEveryMs) {
      clearInterval(this.#sweeper)
      this.#startSweeper()
    }
    this.#health?.update(spec)
  }

  /** Closes the socket and every flow: a stopped listener stops forwarding. */
  stop(): Promise<void> {
    this.#stopping ??= new Promise<void>((resolve) => {
      this.#health?.stop()
      if (this.#sweeper !== undefined) clearInterval(this.#sweeper)
      this.#sweeper = undefined
      this.#state.persistence.clear()
      for (const flow of this.#state.flows.values()) flow.destroy()
      this.pool.closeAll()
      if (!this.#bound) {
        resolve()
        return
      }
      this.#state.socket.close(() => resolve())
    })
    return this.#stopping
  }

  #onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    const state = this.#state
    const key = `${rinfo.address}:${rinfo.port}`
    const flow = state.flows.get(key)
    if (flow !== undefined) {
      flow.last = Date.now()
      flow.forward(msg)
      return
    }
    this.#open(key, msg, rinfo)?.forward(msg)
  }

  #open(key: string, msg: Buffer, rinfo: dgram.RemoteInfo): UdpFlow | undefined {
    const state = this.#state
    const { spec, pool, persistence } = state
    const now = Date.now()
    let picked = persistence.enabled ? persistence.lookup(pool, rinfo.address, now) : undefined
    if (picked === undefined) {
      const ctx: PickContext = {
        sourceIp: rinfo.address,
        sourcePort: rinfo.port,
        destinationIp: spec.address,
        destinationPort: spec.port,
        ...(spec.scheduler === 'qch' ? { connectionId: quicConnectionId(msg) } : {}),
      }
      picked = pool.pick(ctx)
    }
    if (picked === undefined) return undefined
    if (state.flows.size >= MAX_FLOWS) {
      picked.addFailure()
      return undefined
    }
    if (persistence.enabled) persistence.touch(rinfo.address, picked.target.id, now)
    const flow = new UdpFlow(state, key, rinfo, picked, now)
    state.flows.set(key, flow)
    if (this.#sweeper === undefined) this.#startSweeper()
    return flow
  }

  // One timer per listener rather than per flow; a flow expires between one and 1.25 idle timeouts.
  #startSweeper(): void {
    this.#sweepEveryMs = sweepInterval(this.#state.spec)
    this.#sweeper = setInterval(() => {
      const flows = this.#state.flows
      const expired = Date.now() - idleTimeout(this.#state.spec)
      for (const flow of flows.values()) {
        if (flow.last <= expired) flow.destroy()
      }
      if (flows.size === 0) {
        clearInterval(this.#sweeper)
        this.#sweeper = undefined
      }
    }, this.#sweepEveryMs)
    this.#sweeper.unref()
  }
}

function ignore(): void {}

function idleTimeout(spec: ListenerSpec): number {
  return spec.idleTimeoutMs > 0 ? spec.idleTimeoutMs : DEFAULT_UDP_IDLE_TIMEOUT_MS
}

function sweepInterval(spec: ListenerSpec): number {
  return Math.min(Math.max(Math.floor(idleTimeout(spec) / 4), 10), 5_000)
}
