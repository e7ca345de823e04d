/**
 * UDP health probe: one datagram (healthCheckReq) on a connected socket. With healthCheckExp the
 * reply must contain it; without, the member is healthy unless ICMP port-unreachable comes back.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import type { Probe } from './probe.js'
import { probePort } from './probe.js'

/** Sent when the listener sets no healthCheckReq: short, ASCII, unlikely to mean anything to a service. */
export const DEFAULT_UDP_REQUEST = 'openslb-health-check'

export const udpProbe: Probe = (target, spec, signal) =>
  new Promise<boolean>((resolve) => {
    if (signal.aborted) {
      resolve(false)
      return
    }
    const expect = spec.expect === '' ? undefined : Buffer.from(spec.expect)
    const payload = Buffer.from(spec.request === '' ? DEFAULT_UDP_REQUEST : spec.request)
    const socket = dgram.createSocket(net.isIPv6(target.address) ? 'udp6' : 'udp4')
    let done = false
    const finish = (healthy: boolean): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      socket.close()
      resolve(healthy)
    }
    // Without an expected reply there is nothing to wait for but an ICMP error, so running out of
    // time is the success case; with one, it is a failure (contract §2.3 healthCheckExp).
    const onAbort = (): void => finish(expect === undefined)
    // On a connected UDP socket the kernel turns ICMP port-unreachable into ECONNREFUSED.
    socket.on('error', () => finish(false))
    socket.on('message', (msg) => finish(expect === undefined || msg.includes(expect)))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      socket.connect(probePort(target, spec), target.address, () => {
        if (done) return
        socket.send(payload, (err) => {
          if (err !== null && err !== undefined) finish(false)
        })
      })
    } catch {
      // A port Node refuses (0 or out of range) can never pass.
      finish(false)
    }
  })
