/**
 * TCP health probe: healthy when a connection to the member (or HealthCheckConnectPort) opens
 * before the signal aborts. The connection is closed at once; nothing is sent.
 */
import net from 'node:net'
import type { Probe } from './probe.js'
import { probePort } from './probe.js'

export const tcpProbe: Probe = (target, spec, signal) =>
  new Promise<boolean>((resolve) => {
    if (signal.aborted) {
      resolve(false)
      return
    }
    let socket: net.Socket
    try {
      socket = net.connect({ host: target.address, port: probePort(target, spec) })
    } catch {
      // A port Node refuses (0 or out of range) can never pass.
      resolve(false)
      return
    }
    let done = false
    const finish = (healthy: boolean): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      // A plain close (FIN); errors after the verdict (e.g. a reset) are of no interest.
      socket.destroy()
      resolve(healthy)
    }
    const onAbort = (): void => finish(false)
    socket.once('connect', () => finish(true))
    socket.on('error', () => finish(false))
    signal.addEventListener('abort', onAbort, { once: true })
  })
