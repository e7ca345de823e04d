/**
 * The baseline child: a minimal node:http server on 127.0.0.1 answering every request with a fixed
 * ~200-byte JSON body, reading nothing of it. Reports its port to the parent over IPC.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'

/** Shaped like an SLB success body, so the bytes on the wire are comparable. */
export const BARE_BODY = JSON.stringify({
  RequestId: '8F3C2B1A-6D4E-4F5A-9B7C-0D1E2F3A4B5C',
  LoadBalancerId: 'lb-bp1bench0000000000000',
  LoadBalancerName: 'bench',
  LoadBalancerStatus: 'active',
  Address: '127.1.0.1',
  RegionId: 'cn-hangzhou',
  NetworkType: 'classic',
})

const HEADERS = {
  'content-type': 'application/json;charset=utf-8',
  'content-length': String(Buffer.byteLength(BARE_BODY)),
}

function main(): void {
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    // Drain whatever arrived (GETs carry nothing) so keep-alive continues.
    req.resume()
    res.writeHead(200, HEADERS)
    res.end(BARE_BODY)
  })
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port })
  })
  const stop = (): void => {
    server.close()
    server.closeAllConnections()
    process.exit(0)
  }
  process.on('disconnect', stop)
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

// Importing this module (for BARE_BODY) must not start a server: only running it does.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main()
