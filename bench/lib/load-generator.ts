/**
 * The load-generator child: N keep-alive connections issuing signed V1 GETs back to back, one in
 * flight per connection, each with a fresh nonce (optionally each cycling through its own sequence of
 * actions); reports throughput, latency and errors to its parent.
 */
import { Agent, request } from 'node:http'
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'
import type { ActionResult, GeneratorMessage, LatencySummary, LoadJob, LoadResult } from './load-protocol.js'
import { fillTemplate, signedQuery, type RequestTemplate } from './signed-request.js'

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

  const perAction = new Map<string, { histogram: RecordableHistogram; requests: number; errors: number }>()
  const actionStats = (action: string) => {
    let stats = perAction.get(action)
    if (stats === undefined) {
      stats = { histogram: createHistogram(), requests: 0, errors: 0 }
      perAction.set(action, stats)
    }
    return stats
  }

  const once = (template: RequestTemplate, port: number): Promise<void> =>
    new Promise((resolve) => {
      const n = counter++
      const { action, version, params } = template
      const path = '/' + signedQuery(job.key, action, version, fillTemplate(params, n))
      const started = process.hrtime.bigint()
      const req = request({ agent, host: job.host, port, path, method: 'GET' }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => {
          totalRequests += 1
          // Throughput counts completions inside the window.
          if (measuring) {
            const elapsed = process.hrtime.bigint() - started
            requests += 1
            histogram.record(elapsed)
            const failed = res.statusCode !== 200 || body.includes('"Code"')
            if (failed) recordError(`HTTP ${res.statusCode} ${body}`)
            if (job.sequences !== undefined) {
              const stats = actionStats(action)
              stats.requests += 1
              stats.histogram.record(elapsed)
              if (failed) stats.errors += 1
            }
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
  // A sequence is finished before stopping: Add without its Remove would break the next run.
  const worker = async (_: unknown, i: number): Promise<void> => {
    const sequence = job.sequences === undefined ? [job.template] : job.sequences[i % job.sequences.length]!
    const port = job.ports === undefined ? job.port : job.ports[i % job.ports.length]!
    for (let step = 0; !stop || step !== 0; step = (step + 1) % sequence.length) await once(sequence[step]!, port)
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
  const summary = (h: RecordableHistogram): LatencySummary => ({
    p50Ms: ms(h.percentile(50)),
    p90Ms: ms(h.percentile(90)),
    p99Ms: ms(h.percentile(99)),
    maxMs: ms(h.max),
    meanMs: ms(h.mean),
  })
  const byAction: Record<string, ActionResult> = {}
  for (const [action, stats] of perAction) {
    byAction[action] = { requests: stats.requests, errors: stats.errors, latency: summary(stats.histogram) }
  }
  return {
    requests,
    totalRequests,
    errors,
    errorSamples,
    seconds,
    requestsPerSecond: requests / seconds,
    latency: summary(histogram),
    generatorCpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
    ...(job.sequences === undefined ? {} : { byAction }),
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
