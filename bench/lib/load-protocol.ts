/** The messages between the benchmark and its load-generator child process (over the fork IPC channel). */
import type { AccessKey, RequestTemplate } from './signed-request.js'

/** Parent → generator: one timed run. */
export interface LoadJob {
  readonly host: string
  readonly port: number
  /** When set, connection i sends to `ports[i % length]` instead of `port` (several nodes of one cluster). */
  readonly ports?: readonly number[]
  readonly key: AccessKey
  readonly template: RequestTemplate
  readonly connections: number
  /** Load before measuring (JIT, connection set-up); nothing of it is recorded. */
  readonly warmupMs: number
  readonly durationMs: number
  /** First value of `{n}`, so every run writes values no earlier run wrote. */
  readonly counterStart: number
  /**
   * When set, connection i cycles through `sequences[i % length]` instead of repeating `template`,
   * and stops only at the end of a cycle, so the next run starts from the same state.
   */
  readonly sequences?: ReadonlyArray<readonly RequestTemplate[]>
}

export interface LatencySummary {
  readonly p50Ms: number
  readonly p90Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  readonly meanMs: number
}

export interface LoadResult {
  /** Requests completed inside the measured window. */
  readonly requests: number
  /** Requests completed over the whole run, warm-up included (to scale a server CPU profile). */
  readonly totalRequests: number
  /** Non-200 answers, bodies carrying `Code`, and transport errors, inside the window. */
  readonly errors: number
  readonly errorSamples: readonly string[]
  readonly seconds: number
  readonly requestsPerSecond: number
  readonly latency: LatencySummary
  /** The generator's own CPU over the window, as a percentage of one core. */
  readonly generatorCpuPercent: number
  /** Per action, when the job ran sequences: requests and latency inside the window. */
  readonly byAction?: Readonly<Record<string, ActionResult>>
}

export interface ActionResult {
  readonly requests: number
  readonly errors: number
  readonly latency: LatencySummary
}

/** Generator → parent. `measuring`/`measured` bracket the window so the parent can sample server CPU. */
export type GeneratorMessage =
  | { readonly type: 'measuring' }
  | { readonly type: 'measured' }
  | { readonly type: 'result'; readonly result: LoadResult }
  | { readonly type: 'failed'; readonly message: string }
