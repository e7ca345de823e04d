/**
 * Waiting for the rest of a shared machine to go idle: the pause between two runs doubles as a probe
 * of the CPU that processes other than the benchmark's use, within a total budget of waiting.
 */
import { machineCpuSeconds, treeCpuSeconds } from './processes.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** CPU used over `ms` by processes that are not this one or its descendants, in % of one core. */
export async function othersCpuPercent(ms: number): Promise<number> {
  const machine0 = machineCpuSeconds().busy
  const ours0 = treeCpuSeconds(process.pid)
  const t0 = performance.now()
  await sleep(ms)
  const seconds = (performance.now() - t0) / 1000
  const others = machineCpuSeconds().busy - machine0 - (treeCpuSeconds(process.pid) - ours0)
  return Math.max(0, (others / seconds) * 100)
}

export class QuietGate {
  #budgetMs: number
  /** Time spent waiting or redoing runs so far. */
  spentMs = 0
  redone = 0

  constructor(
    budgetS: number,
    /** Others' CPU (% of one core) under which the machine counts as quiet. */
    readonly quietPercent: number,
    readonly log: (line: string) => void,
  ) {
    this.#budgetMs = budgetS * 1000
  }

  get left(): boolean {
    return this.spentMs < this.#budgetMs
  }

  /**
   * Pauses `pauseMs`, then keeps pausing while other processes are busy and budget is left; resolves
   * with the last reading.
   */
  async pause(pauseMs: number): Promise<number> {
    for (let first = true; ; first = false) {
      const t0 = performance.now()
      const others = await othersCpuPercent(pauseMs)
      if (!first) this.spentMs += performance.now() - t0
      if (others < this.quietPercent || !this.left) return others
      if (first) this.log(`  other processes use ${others.toFixed(0)}% of a core: waiting for them to stop`)
    }
  }

  /** Whether a run disturbed by `othersPercent` should be redone (and counts it). */
  redo(othersPercent: number, noisyPercent: number): boolean {
    if (othersPercent <= noisyPercent || !this.left) return false
    this.redone += 1
    return true
  }

  /** Charges a redone run's time to the budget. */
  charge(ms: number): void {
    this.spentMs += ms
  }
}
