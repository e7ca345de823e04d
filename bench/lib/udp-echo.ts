/**
 * A UDP echo backend child for the data-plane benchmark: echoes every datagram to its sender and
 * counts them, and the flows they came on (health-check probes apart). Told where to bind, and asked
 * for counts, over IPC.
 */
import { createSocket } from 'node:dgram'
import { pathToFileURL } from 'node:url'

/** The payload OpenSLB's UDP health check sends (and expects back): not counted as traffic. */
// Alphanumeric only: HealthCheckReq/Exp accept [A-Za-z0-9]{1,64}.
export const UDP_PROBE = 'openslbhc'

export type EchoRequest =
  | { readonly type: 'bind'; readonly host: string; readonly port: number }
  | { readonly type: 'count' }
export type EchoReply =
  | { readonly type: 'bound'; readonly port: number }
  | {
      readonly type: 'count'
      readonly datagrams: number
      readonly probes: number
      /** Distinct senders (address and port: a proxy's flow) since the previous count. */
      readonly flows: number
    }

function main(): void {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 })
  const probe = Buffer.from(UDP_PROBE)
  let datagrams = 0
  let probes = 0
  const senders = new Set<string>()
  socket.on('message', (msg, rinfo) => {
    if (msg.equals(probe)) probes += 1
    else {
      datagrams += 1
      senders.add(`${rinfo.address}:${rinfo.port}`)
    }
    socket.send(msg, rinfo.port, rinfo.address)
  })
  socket.on('error', (err) => {
    process.stderr.write(`udp echo: ${err.message}\n`)
    process.exit(1)
  })
  process.on('message', (m: EchoRequest) => {
    if (m.type === 'bind') {
      socket.bind(m.port, m.host, () => {
        process.send?.({ type: 'bound', port: socket.address().port } satisfies EchoReply)
      })
    } else {
      process.send?.({ type: 'count', datagrams, probes, flows: senders.size } satisfies EchoReply)
      senders.clear()
    }
  })
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
}

// Importing this module (for UDP_PROBE) must not start a server: only running it does.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main()
