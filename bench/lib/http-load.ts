/**
 * The HTTP load generators of the data-plane benchmark, as child programs: wrk (closed loop, saturated
 * throughput) and hey (fixed offered rate, for latency), each bounded by `timeout`, with their output parsed.
 */
import { spawnProgram, stopChild } from './processes.js'

export interface HttpLoadResult {
  /** Responses completed in the run. */
  readonly requests: number
  readonly seconds: number
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Socket errors (connect, read, write, timeout) plus hey's transport errors. */
  readonly errors: number
  /** Responses that were not 2xx (wrk counts non-2xx-or-3xx). */
  readonly non2xx: number
}

export interface WrkJob {
  readonly url: string
  readonly threads: number
  readonly connections: number
  readonly durationS: number
  /** A new connection per request: `Connection: close` on every request. */
  readonly close: boolean
  /** Ends the run early (SIGINT: wrk stops and still prints its summary). */
  readonly signal?: AbortSignal
}

export interface HeyJob {
  readonly url: string
  /** Workers; each is rate-limited to `perWorkerRate` requests/s (hey -c, -q). */
  readonly workers: number
  readonly perWorkerRate: number
  readonly durationS: number
  readonly close: boolean
}

const UNIT_MS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000 }

function durationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim())
  return m === null ? Number.NaN : Number(m[1]) * UNIT_MS[m[2]!]!
}

const numberAfter = (text: string, pattern: RegExp): number => {
  const m = pattern.exec(text)
  return m === null ? 0 : Number(m[1])
}

export function parseWrk(output: string): HttpLoadResult {
  const summary = /(\d+) requests in ([\d.]+\w+),/.exec(output)
  if (summary === null) throw new Error(`wrk printed no summary:\n${output.slice(-2000)}`)
  const seconds = durationMs(summary[2]!) / 1000
  const latency = (pct: string): number => {
    const m = new RegExp(`^\\s+${pct}%\\s+(\\S+)$`, 'm').exec(output)
    return m === null ? Number.NaN : durationMs(m[1]!)
  }
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  const errors = socket === null ? 0 : socket.slice(1, 5).reduce((s, n) => s + Number(n), 0)
  const requests = Number(summary[1])
  return {
    requests,
    seconds,
    requestsPerSecond: numberAfter(output, /Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    errors,
    non2xx: numberAfter(output, /Non-2xx or 3xx responses: (\d+)/),
  }
}

export function parseHey(output: string): HttpLoadResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output)
  if (rps === null) throw new Error(`hey printed no summary:\n${output.slice(-2000)}`)
  const latency = (pct: string): number => {
    const m = new RegExp(`${pct}% in ([\\d.]+) secs`).exec(output)
    return m === null ? Number.NaN : Number(m[1]) * 1000
  }
  let ok = 0
  let non2xx = 0
  for (const m of output.matchAll(/\[(\d{3})\]\s+(\d+) responses/g)) {
    if (m[1]!.startsWith('2')) ok += Number(m[2])
    else non2xx += Number(m[2])
  }
  let errors = 0
  const errorPart = output.split('Error distribution:')[1]
  if (errorPart !== undefined) for (const m of errorPart.matchAll(/^\s+\[(\d+)\]/gm)) errors += Number(m[1])
  const seconds = numberAfter(output, /Total:\s+([\d.]+) secs/)
  return {
    requests: ok + non2xx,
    seconds,
    requestsPerSecond: Number(rps[1]),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    errors,
    non2xx,
  }
}

/** Runs a program under `timeout` and resolves with everything it printed once it exits 0. */
async function runBounded(
  command: string,
  args: readonly string[],
  limitS: number,
  cwd: string,
  signal?: AbortSignal,
): Promise<string> {
  const run = spawnProgram('timeout', ['-k', '5', String(limitS), command, ...args], { cwd })
  // `timeout` passes SIGINT on to the program it runs.
  const interrupt = (): void => {
    run.child.kill('SIGINT')
  }
  signal?.addEventListener('abort', interrupt, { once: true })
  const code = await new Promise<number | null>((resolve) => run.child.once('exit', (c) => resolve(c)))
  signal?.removeEventListener('abort', interrupt)
  await stopChild(run.child)
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${run.output().slice(-2000)}`)
  return run.output()
}

export async function runWrk(job: WrkJob, cwd: string): Promise<HttpLoadResult> {
  const args = [
    `-t${job.threads}`,
    `-c${job.connections}`,
    `-d${job.durationS}s`,
    '--latency',
    ...(job.close ? ['-H', 'Connection: close'] : []),
    job.url,
  ]
  return parseWrk(await runBounded('wrk', args, job.durationS + 20, cwd, job.signal))
}

export async function runHey(job: HeyJob, cwd: string): Promise<HttpLoadResult> {
  const args = [
    '-z',
    `${job.durationS}s`,
    '-c',
    String(job.workers),
    '-q',
    String(job.perWorkerRate),
    '-t',
    '5',
    ...(job.close ? ['-disable-keepalive'] : []),
    job.url,
  ]
  return parseHey(await runBounded('hey', args, job.durationS + 20, cwd))
}
