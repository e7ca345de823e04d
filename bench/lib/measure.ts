/**
 * One timed load run: a fresh load-generator process drives a server while the server's CPU, and the
 * rest of the machine's, is sampled around the generator's measured window.
 */
import { join } from 'node:path'
import type { GeneratorMessage, LoadJob, LoadResult } from './load-protocol.js'
import { cpuSeconds, forkTs, machineCpuSeconds, stopChild } from './processes.js'

export interface Measurement {
  readonly result: LoadResult
  readonly serverCpuPercent: number
  readonly serverUsPerRequest: number
  /** CPU used by everything else on the machine over the window (other processes), % of one core. */
  readonly otherCpuPercent: number
  /** The measured window on the monotonic clock, to cut a server's CPU profile to it. */
  readonly window: { readonly fromUs: number; readonly toUs: number }
}

/** What a run needs besides its counter, which `measure` hands out so no two runs share values. */
export type RunSpec = Omit<LoadJob, 'counterStart'>

let counterStart = 1

/** Runs `job` from a new generator child (bench/lib/load-generator.ts) against the server `serverPid`. */
export function measure(root: string, serverPid: number, spec: RunSpec): Promise<Measurement> {
  const job: LoadJob = { ...spec, counterStart }
  counterStart += 10_000_000
  const child = forkTs(join(root, 'bench', 'lib', 'load-generator.ts'), root)
  return new Promise<Measurement>((resolve, reject) => {
    let cpu0 = 0
    let wall0 = 0
    let cpu1 = 0
    let wall1 = 0
    let machine0 = 0
    let machine1 = 0
    const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n)
    let from = 0
    let to = 0
    const timer = setTimeout(() => {
      void stopChild(child)
      reject(new Error('load generator overran its time limit'))
    }, job.warmupMs + job.durationMs + 30_000)
    child.on('message', (m: GeneratorMessage) => {
      if (m.type === 'measuring') {
        cpu0 = cpuSeconds(serverPid)
        machine0 = machineCpuSeconds().busy
        wall0 = performance.now()
        from = monotonicUs()
      } else if (m.type === 'measured') {
        cpu1 = cpuSeconds(serverPid)
        machine1 = machineCpuSeconds().busy
        wall1 = performance.now()
        to = monotonicUs()
      } else if (m.type === 'failed') {
        clearTimeout(timer)
        reject(new Error(`load generator failed: ${m.message}`))
      } else {
        clearTimeout(timer)
        const cpu = cpu1 - cpu0
        const seconds = (wall1 - wall0) / 1000
        const generatorCpu = (m.result.generatorCpuPercent / 100) * m.result.seconds
        resolve({
          result: m.result,
          serverCpuPercent: (cpu / seconds) * 100,
          otherCpuPercent: Math.max(0, ((machine1 - machine0 - cpu - generatorCpu) / seconds) * 100),
          serverUsPerRequest: m.result.requests > 0 ? (cpu * 1e6) / m.result.requests : Number.NaN,
          window: { fromUs: from, toUs: to },
        })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      // After a result this is a no-op; otherwise the child died without reporting.
      reject(new Error(`load generator exited (${code}) without a result`))
    })
    child.send(job)
  })
}
