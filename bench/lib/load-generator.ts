/**
 * The load-generator child: N keep-alive connections issuing signed V1 GETs back to back, one in
 * flight per connection, each with a fresh nonce; reports throughput, latency and errors to its parent.
 */
import { Agent, request } from 'node:http'
import { createHistogram } from 'node:perf_hooks'
import type { GeneratorMessage, LoadJob, LoadResult } from './load-protocol.js'
import { fillTemplate, signedQuery } from './signed-request.js'

const MAX_ERROR_SAMPLES = 5
// Past this the run is broken anyway; the parent kills us later if we hang.
const SELF_DESTRUCT_SLACK_MS = 15_000

function send(message: GeneratorMessage): void {
  process.send?.(message)
}

async function run(job: LoadJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections, maxFreeSockets: job.connections })
  const histogram = createHistogram()
  const errorSamples: string[] = []
  let counter = job.counterStart
  let measuring = false
  let requests = 0
  let totalRequests = 0
  let errors = 0

  const recordError = (what: string): void => {
    if (!measuring) return
    errors += 1
    if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(what.slice(0, 300))
  }

  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const n = counter++
      const { action, version, params } = job.template
      const path = '/' + signedQuery(job.key, action, version, fillTemplate(params, n))
      const started = process.hrtime.bigint()
      const req = request({ agent, host: job.host, port: job.port, path, method: 'GET' }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => {
          totalRequests += 1
          // Throughput counts completions inside the window.
          if (measuring) {
            requests += 1
            histogram.record(process.hrtime.bigint() - started)
            if (res.statusCode !== 200 || body.includes('"Code"')) recordError(`HTTP ${res.statusCode} ${body}`)
          }
          resolve()
        })
        res.on('error', (err) => {
          recordError(`response: ${err.message}`)
          resolve()
        })
      })
      req.on('error', (err) => {
        recordError(`request: ${err.message}`)
        // A refused or reset connection must not turn into a busy loop.
        setTimeout(resolve, 10)
      })
      req.end()
    })

  let stop = false
  const worker = async (): Promise<void> => {
    while (!stop) await once()
  }
  const workers = Array.from({ length: job.connections }, worker)

  await new Promise((resolve) => setTimeout(resolve, job.warmupMs))
  histogram.reset()
  measuring = true
  send({ type: 'measuring' })
  const cpuStart = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await new Promise((resolve) => setTimeout(resolve, job.durationMs))
  measuring = false
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpuStart)
  send({ type: 'measured' })
  stop = true
  await Promise.all(workers)
  agent.destroy()

  const ms = (ns: number): number => ns / 1e6
  return {
    requests,
    totalRequests,
    errors,
    errorSamples,
    seconds,
    requestsPerSecond: requests / seconds,
    latency: {
      p50Ms: ms(histogram.percentile(50)),
      p90Ms: ms(histogram.percentile(90)),
      p99Ms: ms(histogram.percentile(99)),
      maxMs: ms(histogram.max),
      meanMs: ms(histogram.mean),
    },
    generatorCpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
  }
}

// Dies with the parent: a vanished IPC channel means nobody is listening any more.
process.on('disconnect', () => process.exit(0))

process.once('message', (job: LoadJob) => {
  setTimeout(() => {
    send({ type: 'failed', message: 'load generator overran its time limit' })
    process.exit(1)
  }, job.warmupMs + job.durationMs + SELF_DESTRUCT_SLACK_MS).unref()
  run(job).then(
    (result) => {
      send({ type: 'result', result })
      process.disconnect()
    },
    (err: unknown) => {
      send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) })
      process.exitCode = 1
      process.disconnect()
    },
  )
})
