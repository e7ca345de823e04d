/**
 * Control-plane benchmark: signed API throughput and latency of one read and one mutation against
 * OpenSLB, next to a bare node:http server in the same run, driven from a separate load-generator
 * process over keep-alive. Prints a table and records it in docs/benchmarks.md (see there); also one
 * part of bench/all.ts, which imports `apiThroughput`.
 *
 *   node --import tsx bench/api-throughput.ts [--duration 5] [--connections 16] [--reps 3]
 *     [--warmup 1] [--scenario load-balancers|regions] [--server dist|tsx] [--no-write] [--profile]
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { BARE_BODY } from './lib/bare-server.js'
import { busiestProfile, summarizeProfile } from './lib/cpu-profile.js'
import { measure as measureRun, type Measurement } from './lib/measure.js'
import {
  chooseServerBuild,
  HOST,
  removeTempDirs,
  startOpenSlb,
  stopEverythingNow,
  stopOpenSlb,
  type OpenSlb,
  type ServerBuild,
} from './lib/openslb-server.js'
import { forkTs, isMain, runBenchmark, stopChild, withinBudget } from './lib/processes.js'
import {
  commandText,
  describeMachine,
  machineLine,
  resultsTable,
  writeMarkedBlock,
  type TargetRow,
} from './lib/report.js'
import { DEFAULT_SCENARIO, SCENARIOS, type ScenarioName, type Workload } from './lib/scenarios.js'
import { callOnce, type AccessKey, type RequestTemplate } from './lib/signed-request.js'
import { median, spread } from './lib/stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')
const DOCS = join(ROOT, 'docs', 'benchmarks.md')
const MARKER = 'api-throughput'
const SCRIPT = 'bench/api-throughput.ts'
const BARE_SERVER = join(ROOT, 'bench', 'lib', 'bare-server.ts')
/** The issue's goals, as fractions of the bare server's req/s measured in the same run. */
const GOALS = { read: 0.5, mutation: 0.3 } as const
const PAUSE_BETWEEN_RUNS_MS = 1_000
/** Other processes' CPU (% of one core) above which a run is flagged as noisy. */
const NOISY_PERCENT = 20

interface Options {
  readonly durationS: number
  readonly warmupS: number
  readonly connections: number
  readonly reps: number
  readonly scenario: ScenarioName
  readonly server: 'dist' | 'tsx'
  readonly write: boolean
  readonly profile: boolean
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      connections: { type: 'string', default: '16' },
      reps: { type: 'string', default: '3' },
      scenario: { type: 'string', default: DEFAULT_SCENARIO },
      server: { type: 'string', default: 'dist' },
      'no-write': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
    },
  })
  const number = (name: string, text: string, min: number, max: number): number => {
    const n = Number(text)
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be between ${min} and ${max}`)
    return n
  }
  if (!(values.scenario in SCENARIOS)) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`)
  if (values.server !== 'dist' && values.server !== 'tsx') throw new Error('--server must be dist or tsx')
  return {
    durationS: number('duration', values.duration, 0.5, 120),
    warmupS: number('warmup', values.warmup, 0, 30),
    connections: Math.round(number('connections', values.connections, 1, 1024)),
    reps: Math.round(number('reps', values.reps, 1, 20)),
    scenario: values.scenario as ScenarioName,
    server: values.server,
    write: !values['no-write'],
    profile: values.profile,
  }
}

const log = (line: string): void => {
  process.stderr.write(line + '\n')
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function startBare(nodeArgs: readonly string[] = []): Promise<{ child: ChildProcess; port: number }> {
  const child = forkTs(BARE_SERVER, ROOT, nodeArgs)
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bare server did not start within 30 s')), 30_000)
    child.once('message', (m: { type: string; port: number }) => {
      clearTimeout(timer)
      resolve(m.port)
    })
    child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)))
  })
  return { child, port }
}

/** Runs the scenario's set-up, then checks that both templates answer once without an error. */
async function prepareWorkload(slb: OpenSlb, scenario: ScenarioName): Promise<Workload> {
  const call = async (template: RequestTemplate): Promise<Record<string, unknown>> => {
    const { status, body } = await callOnce({ host: HOST, port: slb.port }, slb.key, template)
    if (status !== 200 || 'Code' in body) {
      throw new Error(`${template.action} failed in set-up: HTTP ${status} ${JSON.stringify(body)}`)
    }
    return body
  }
  const workload = await SCENARIOS[scenario].setup(call)
  await call(workload.read)
  await call(workload.mutation)
  return workload
}

/** One load run against the server `serverPid` (bench/lib/measure.ts), with this benchmark's options. */
function measure(
  port: number,
  serverPid: number,
  key: AccessKey,
  template: RequestTemplate,
  o: Options,
): Promise<Measurement> {
  return measureRun(ROOT, serverPid, {
    host: HOST,
    port,
    key,
    template,
    connections: o.connections,
    warmupMs: o.warmupS * 1000,
    durationMs: o.durationS * 1000,
  })
}

interface Target {
  readonly name: string
  readonly kind: 'bare' | 'read' | 'mutation'
  readonly port: number
  readonly pid: number
  readonly template: RequestTemplate
}

function targetsOf(bare: { child: ChildProcess; port: number }, slb: OpenSlb, workload: Workload): Target[] {
  return [
    {
      name: `bare node:http (fixed ${Buffer.byteLength(BARE_BODY)} B JSON)`,
      kind: 'bare',
      port: bare.port,
      pid: bare.child.pid!,
      template: workload.read,
    },
    {
      name: `${workload.read.action} (read)`,
      kind: 'read',
      port: slb.port,
      pid: slb.server.child.pid!,
      template: workload.read,
    },
    {
      name: `${workload.mutation.action} (${workload.mutationIsStandIn ? 'a read standing in' : 'mutation'})`,
      kind: 'mutation',
      port: slb.port,
      pid: slb.server.child.pid!,
      template: workload.mutation,
    },
  ]
}

function describeRun(name: string, m: Measurement): string {
  const r = m.result
  return (
    `  ${name}: ${Math.round(r.requestsPerSecond)} req/s, p50 ${r.latency.p50Ms.toFixed(2)} ms, ` +
    `p99 ${r.latency.p99Ms.toFixed(2)} ms, errors ${r.errors}, server CPU ${m.serverCpuPercent.toFixed(0)}% ` +
    `(${m.serverUsPerRequest.toFixed(0)} µs/req), generator CPU ${r.generatorCpuPercent.toFixed(0)}%, ` +
    `other CPU ${m.otherCpuPercent.toFixed(0)}%` +
    (r.errorSamples.length > 0 ? `\n    first error: ${r.errorSamples[0]}` : '')
  )
}

function aggregate(targets: readonly Target[], runs: Map<string, Measurement[]>): TargetRow[] {
  const bareRps = median(runs.get('bare')!.map((m) => m.result.requestsPerSecond))
  const bareUs = median(runs.get('bare')!.map((m) => m.serverUsPerRequest))
  return targets.map((t) => {
    const ms = runs.get(t.kind)!
    const rps = spread(ms.map((m) => m.result.requestsPerSecond))
    return {
      name: t.name,
      rps,
      p50Ms: median(ms.map((m) => m.result.latency.p50Ms)),
      p99Ms: median(ms.map((m) => m.result.latency.p99Ms)),
      ratio: t.kind === 'bare' ? undefined : rps.median / bareRps,
      goal: t.kind === 'bare' ? undefined : GOALS[t.kind],
      cpuRatio: t.kind === 'bare' ? undefined : bareUs / median(ms.map((m) => m.serverUsPerRequest)),
      requests: ms.reduce((s, m) => s + m.result.requests, 0),
      errors: ms.reduce((s, m) => s + m.result.errors, 0),
      serverCpuPercent: median(ms.map((m) => m.serverCpuPercent)),
      serverUsPerRequest: median(ms.map((m) => m.serverUsPerRequest)),
      generatorCpuPercent: median(ms.map((m) => m.result.generatorCpuPercent)),
      otherCpuPercent: Math.max(...ms.map((m) => m.otherCpuPercent)),
    }
  })
}

/** What bench/all.ts takes from a run: the three aggregated rows and the actions loaded. */
export interface ApiThroughputResult {
  readonly connections: number
  readonly bare: TargetRow
  readonly read: TargetRow
  readonly mutation: TargetRow
  readonly readAction: string
  readonly mutationAction: string
  readonly mutationIsStandIn: boolean
}

async function benchmark(o: Options, serverMode: ServerBuild, command: string): Promise<ApiThroughputResult> {
  const bare = await startBare()
  const slb = await startOpenSlb(ROOT, serverMode)
  const workload = await prepareWorkload(slb, o.scenario)
  const targets = targetsOf(bare, slb, workload)
  const runs = new Map<string, Measurement[]>(targets.map((t) => [t.kind, []]))
  const perRepRatios: string[] = []

  for (let rep = 1; rep <= o.reps; rep++) {
    log(`rep ${rep}/${o.reps}`)
    const rps: Record<string, number> = {}
    for (const t of targets) {
      const m = await measure(t.port, t.pid, slb.key, t.template, o)
      runs.get(t.kind)!.push(m)
      rps[t.kind] = m.result.requestsPerSecond
      log(describeRun(t.name, m))
      await sleep(PAUSE_BETWEEN_RUNS_MS)
    }
    const ratio = (kind: string): string => (rps[kind]! / rps['bare']!).toFixed(2)
    perRepRatios.push(`rep ${rep}: read ${ratio('read')}, mutation ${ratio('mutation')}`)
  }
  await stopOpenSlb(slb)

  const rows = aggregate(targets, runs)
  const machine = describeMachine()
  const errorSamples = [...runs.values()].flat().flatMap((m) => m.result.errorSamples)
  const bareRow = rows[0]!
  const generatorBound = bareRow.generatorCpuPercent >= 90
  const noisy = Math.max(...rows.map((r) => r.otherCpuPercent))
  const block = [
    `Measured ${machineLine(machine)}.`,
    '',
    `Command: ${command} — scenario \`${o.scenario}\`, OpenSLB from ${serverMode.note}, ` +
      `${o.connections} keep-alive connections, ${o.reps} interleaved repetitions of ${o.warmupS} s warm-up + ` +
      `${o.durationS} s measured per target.`,
    '',
    resultsTable(rows),
    '',
    `Per-repetition ratios vs bare: ${perRepRatios.join('; ')}.`,
    ...(generatorBound
      ? [
          '',
          'The bare server was limited by the load generator ' +
            `(generator CPU ${bareRow.generatorCpuPercent.toFixed(0)}%, ` +
            `bare server CPU ${bareRow.serverCpuPercent.toFixed(0)}%), so "ratio vs bare" flatters OpenSLB; ` +
            '"CPU ratio vs bare" compares server CPU per request instead.',
        ]
      : []),
    ...(errorSamples.length > 0 ? ['', `First error seen: \`${errorSamples[0]!.replace(/`/g, "'")}\``] : []),
    ...(noisy > NOISY_PERCENT
      ? [
          '',
          `Other processes used up to ${noisy.toFixed(0)}% of a core during some measurements: this run is noisy ` +
            '(compare the per-repetition ratios, and rerun on a quiet machine).',
        ]
      : []),
    ...(workload.mutationIsStandIn ? ['', 'The mutation row is a read standing in: no mutation was loaded.'] : []),
  ].join('\n')
  process.stdout.write('\n' + block + '\n')
  if (o.write) {
    writeMarkedBlock(DOCS, MARKER, block, '## Control plane: API throughput')
    log(`\nwritten to ${relative(ROOT, DOCS)}`)
  }
  return {
    connections: o.connections,
    bare: bareRow,
    read: rows[1]!,
    mutation: rows[2]!,
    readAction: workload.read.action,
    mutationAction: workload.mutation.action,
    mutationIsStandIn: workload.mutationIsStandIn,
  }
}

function printProfile(title: string, dir: string, m: Measurement): void {
  const file = busiestProfile(dir)
  if (file === undefined) throw new Error(`no .cpuprofile written in ${dir}`)
  const summary = summarizeProfile(file, ROOT, { requests: m.result.totalRequests })
  process.stdout.write(`\n### ${title}\n\n${describeRun('load', m).trim()}\n\n${summary.text}\n`)
}

/**
 * One profiled server per target, so each profile holds one action's load only (plus start-up and
 * set-up, which are small next to the load). The bare server is profiled for contrast.
 */
async function profile(o: Options, serverMode: ServerBuild): Promise<void> {
  const outDir = join(tmpdir(), `openslb-bench-profiles-${Date.now()}`)
  mkdirSync(outDir, { recursive: true })
  log(`profiles in ${outDir} (OpenSLB from ${serverMode.note})`)
  let bareTemplate: RequestTemplate | undefined
  let key: AccessKey | undefined
  for (const kind of ['read', 'mutation'] as const) {
    const dir = join(outDir, kind)
    const slb = await startOpenSlb(ROOT, serverMode, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] })
    const workload = await prepareWorkload(slb, o.scenario)
    bareTemplate = workload.read
    key = slb.key
    const template = kind === 'read' ? workload.read : workload.mutation
    const m = await measure(slb.port, slb.server.child.pid!, slb.key, template, o)
    await stopOpenSlb(slb)
    printProfile(`${template.action} (${kind})`, dir, m)
  }
  const dir = join(outDir, 'bare')
  const bare = await startBare(['--cpu-prof', '--cpu-prof-dir', dir])
  const m = await measure(bare.port, bare.child.pid!, key!, bareTemplate!, o)
  await stopChild(bare.child)
  printProfile('bare node:http', dir, m)
}

/**
 * Runs the benchmark with these command-line options (`--profile`: the profiles, and no result), within
 * its time budget; every process it started is stopped when it returns. `partOf`: the command of the
 * longer run this is a part of, for the recorded block.
 */
export async function apiThroughput(
  argv: readonly string[],
  partOf?: string,
): Promise<ApiThroughputResult | undefined> {
  const o = parseOptions(argv)
  const serverMode = chooseServerBuild(ROOT, o.server)
  const perRun = o.warmupS + o.durationS + 4
  const budgetS = (o.profile ? 2 : o.reps * 3) * perRun + 120
  const run = async (): Promise<ApiThroughputResult | undefined> => {
    if (!o.profile) return benchmark(o, serverMode, commandText(SCRIPT, argv, partOf))
    await profile(o, serverMode)
    return undefined
  }
  return withinBudget(budgetS, log, run, removeTempDirs)
}

if (isMain(import.meta.url)) {
  runBenchmark('api-throughput', () => apiThroughput(process.argv.slice(2)), stopEverythingNow, log)
}
