/**
 * CPU of several processes (API nodes, PostgreSQL, the benchmark itself) over a window another module
 * times, such as the load generator's measured one: samples them and the machine on the monotonic
 * clock while a run lasts, then interpolates at the window's edges.
 */
import { cpuSeconds, machineCpuSeconds, treeCpuSeconds } from './processes.js'

export interface Watched {
  readonly name: string
  readonly pid: number
  /** Count the process's descendants too (PostgreSQL's backends are children of the postmaster). */
  readonly tree?: boolean
}

interface Sample {
  readonly us: number
  readonly cpu: readonly number[]
  readonly machine: number
}

export interface WindowCpu {
  /** % of one core per watched process, by name. */
  readonly percent: ReadonlyMap<string, number>
  /** The whole machine's busy CPU, % of one core (200 = both cores of a 2-vCPU machine). */
  readonly machinePercent: number
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n)

export class CpuSampler {
  readonly #watched: readonly Watched[]
  readonly #last: number[]
  readonly #samples: Sample[] = []
  #timer: NodeJS.Timeout | undefined

  constructor(watched: readonly Watched[], everyMs = 50) {
    this.#watched = watched
    this.#last = watched.map(() => 0)
    this.#sample()
    this.#timer = setInterval(() => this.#sample(), everyMs)
  }

  #sample(): void {
    const cpu = this.#watched.map((w, i) => {
      try {
        this.#last[i] = w.tree === true ? treeCpuSeconds(w.pid) : cpuSeconds(w.pid)
      } catch {
        // The process ended: it uses nothing more.
      }
      return this.#last[i]!
    })
    this.#samples.push({ us: monotonicUs(), cpu, machine: machineCpuSeconds().busy })
  }

  /** Stops sampling (with a last sample); `between` still answers. */
  stop(): void {
    if (this.#timer === undefined) return
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#sample()
  }

  /** Linear interpolation of a cumulative counter at `us`. */
  #at(us: number, value: (s: Sample) => number): number {
    const s = this.#samples
    const after = s.findIndex((x) => x.us >= us)
    if (after <= 0) return value(s[after === 0 ? 0 : s.length - 1]!)
    const a = s[after - 1]!
    const b = s[after]!
    return value(a) + ((value(b) - value(a)) * (us - a.us)) / Math.max(1, b.us - a.us)
  }

  /** CPU between two times of `process.hrtime` in µs (a Measurement's `window`). */
  between(fromUs: number, toUs: number): WindowCpu {
    const seconds = Math.max(1e-6, (toUs - fromUs) / 1e6)
    const pct = (value: (s: Sample) => number): number =>
      Math.max(0, ((this.#at(toUs, value) - this.#at(fromUs, value)) / seconds) * 100)
    return {
      percent: new Map(this.#watched.map((w, i) => [w.name, pct((s) => s.cpu[i]!)])),
      machinePercent: pct((s) => s.machine),
    }
  }

  /** The window from the first sample to the last. */
  whole(): WindowCpu {
    return this.between(this.#samples[0]!.us, this.#samples[this.#samples.length - 1]!.us)
  }
}
