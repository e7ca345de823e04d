/**
 * The UDP load-generator child (wrk cannot do UDP): N client sockets, each a separate flow with one
 * datagram in flight, back to back for a fixed time; reports replies/s, latency and losses over IPC.
 */
import { createSocket, type Socket } from 'node:dgram'
import { createHistogram } from 'node:perf_hooks'

export interface UdpJob {
  readonly host: string
  readonly port: number
  readonly flows: number
  readonly payloadBytes: number
  readonly warmupMs: number
  readonly durationMs: number
  /** A datagram without a reply after this long is counted lost and the flow sends the next one. */
  readonly lossTimeoutMs: number
}

export interface UdpResult {
  readonly replies: number
  readonly lost: number
  readonly seconds: number
  readonly repliesPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly generatorCpuPercent: number
}

export type UdpMessage =
  | { readonly type: 'measuring' }
  | { readonly type: 'measured' }
  | { readonly type: 'result'; readonly result: UdpResult }
  | { readonly type: 'failed'; readonly message: string }

interface Flow {
  readonly socket: Socket
  sentAt: bigint
  seq: number
}

async function run(job: UdpJob): Promise<UdpResult> {
  const histogram = createHistogram()
  const payload = Buffer.alloc(job.payloadBytes, 'u')
  let measuring = false
  let stopping = false
  let replies = 0
  let lost = 0
  const flows: Flow[] = []

  const sendNext = (flow: Flow): void => {
    if (stopping) return
    flow.seq += 1
    payload.writeUInt32BE(flow.seq >>> 0, 0)
    flow.sentAt = process.hrtime.bigint()
    flow.socket.send(payload, job.port, job.host)
  }

  for (let i = 0; i < job.flows; i++) {
    const socket = createSocket('udp4')
    const flow: Flow = { socket, sentAt: 0n, seq: 0 }
    socket.on('message', (msg) => {
      // A late reply to a datagram already counted lost is ignored.
      if (msg.length < 4 || msg.readUInt32BE(0) !== flow.seq >>> 0) return
      if (measuring) {
        replies += 1
        histogram.record(process.hrtime.bigint() - flow.sentAt)
      }
      sendNext(flow)
    })
    socket.on('error', () => {})
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    flows.push(flow)
  }
  const timeoutNs = BigInt(job.lossTimeoutMs) * 1_000_000n
  const sweeper = setInterval(() => {
    const now = process.hrtime.bigint()
    for (const flow of flows) {
      if (now - flow.sentAt < timeoutNs) continue
      if (measuring) lost += 1
      sendNext(flow)
    }
  }, Math.max(10, job.lossTimeoutMs / 4))
  for (const flow of flows) sendNext(flow)

  await new Promise((resolve) => setTimeout(resolve, job.warmupMs))
  histogram.reset()
  measuring = true
  process.send?.({ type: 'measuring' } satisfies UdpMessage)
  const cpuStart = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await new Promise((resolve) => setTimeout(resolve, job.durationMs))
  measuring = false
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpuStart)
  process.send?.({ type: 'measured' } satisfies UdpMessage)
  stopping = true
  clearInterval(sweeper)
  for (const flow of flows) flow.socket.close()
  return {
    replies,
    lost,
    seconds,
    repliesPerSecond: replies / seconds,
    p50Ms: histogram.count > 0 ? histogram.percentile(50) / 1e6 : Number.NaN,
    p99Ms: histogram.count > 0 ? histogram.percentile(99) / 1e6 : Number.NaN,
    generatorCpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
  }
}

process.on('disconnect', () => process.exit(0))

process.once('message', (job: UdpJob) => {
  setTimeout(() => {
    process.send?.({ type: 'failed', message: 'UDP generator overran its time limit' } satisfies UdpMessage)
    process.exit(1)
  }, job.warmupMs + job.durationMs + 15_000).unref()
  run(job).then(
    (result) => {
      process.send?.({ type: 'result', result } satisfies UdpMessage)
      process.disconnect()
    },
    (err: unknown) => {
      process.send?.({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) })
      process.exitCode = 1
      process.disconnect()
    },
  )
})
