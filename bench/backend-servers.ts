/**
 * Backend-servers benchmark (issue 4): signed Add+Remove of 20 VServer group members and
 * SetVServerGroupAttribute of 20 weights, against a store of 10 memberships and one of 10,000 in the
 * same run; prints calls/s, p50/p99 and the cost ratio, and records them in docs/benchmarks.md. Also one
 * part of bench/all.ts, which imports `backendServers`.
 *
 *   node --import tsx bench/backend-servers.ts [--duration 4] [--warmup 1] [--connections 8] [--reps 3]
 *     [--small 10] [--large 10000] [--background live|idle] [--server dist|tsx] [--no-write] [--profile]
 */
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  addRemoveSequences,
  apiOf,
  BATCH,
  buildStore,
  countMemberships,
  setWeightSequences,
  type Api,
  type BuiltStore,
  type LoopGroups,
} from './lib/backend-store.js'
import { busiestProfile, summarizeProfile } from './lib/cpu-profile.js'
import { measure, type Measurement } from './lib/measure.js'
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
import { isMain, runBenchmark, withinBudget } from './lib/processes.js'
import { commandText, describeMachine, machineLine, writeMarkedBlock } from './lib/report.js'
import { callOnce, type RequestTemplate } from './lib/signed-request.js'
import { formatInt, formatMs, formatRatio, median, spread } from './lib/stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')
const DOCS = join(ROOT, 'docs', 'benchmarks.md')
const MARKER = 'backend-servers'
const SCRIPT = 'bench/backend-servers.ts'
/** The issue's goals: the large store costs at most 1.2× the small one; at least 2,000 signed mutations/s. */
const GOALS = { costRatio: 1.2, callsPerSecond: 2_000 } as const
/** 50 background load balancers of 200 plus one per connection exceed the default quota of 60. */
const SERVE_ARGS = ['--quota-load-balancers', '100'] as const
const PAUSE_BETWEEN_RUNS_MS = 500
/**
 * Both servers run at once and bind their listeners on their load balancers' addresses: each gets
 * its own /16 of 127/8, away from the default pools (127.1, 127.2) another server on the machine uses.
 */
const ADDRESS_POOL_OCTETS = (() => {
  const first = 64 + Math.floor(Math.random() * 127)
  return { small: first, large: first + 1 }
})()
const NOISY_PERCENT = 20

interface Options {
  readonly durationS: number
  readonly warmupS: number
  readonly connections: number
  readonly reps: number
  readonly small: number
  readonly large: number
  readonly liveBackground: boolean
  readonly server: 'dist' | 'tsx'
  readonly write: boolean
  readonly profile: boolean
  /** Set-up calls in flight. */
  readonly width: number
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      duration: { type: 'string', default: '4' },
      warmup: { type: 'string', default: '1' },
      connections: { type: 'string', default: '8' },
      reps: { type: 'string', default: '3' },
      small: { type: 'string', default: '10' },
      large: { type: 'string', default: '10000' },
      background: { type: 'string', default: 'live' },
      server: { type: 'string', default: 'dist' },
      width: { type: 'string', default: '4' },
      'no-write': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
    },
  })
  const number = (name: string, text: string, min: number, max: number): number => {
    const n = Number(text)
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be between ${min} and ${max}`)
    return n
  }
  if (values.server !== 'dist' && values.server !== 'tsx') throw new Error('--server must be dist or tsx')
  if (values.background !== 'live' && values.background !== 'idle') throw new Error('--background must be live or idle')
  const connections = Math.round(number('connections', values.connections, 1, 40))
  const large = Math.round(number('large', values.large, 1, 15_000))
  // Background load balancers hold 200 each; every connection has one more; the server allows 100.
  if (Math.ceil(large / 200) + connections > 100) throw new Error('--large / 200 + --connections must be ≤ 100')
  return {
    durationS: number('duration', values.duration, 0.5, 60),
    warmupS: number('warmup', values.warmup, 0, 30),
    connections,
    reps: Math.round(number('reps', values.reps, 1, 20)),
    small: Math.round(number('small', values.small, 0, 15_000)),
    large,
    liveBackground: values.background === 'live',
    server: values.server,
    write: !values['no-write'],
    profile: values.profile,
    width: Math.round(number('width', values.width, 1, 32)),
  }
}

const log = (line: string): void => {
  process.stderr.write(line + '\n')
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** One OpenSLB server with its store built. */
interface Store {
  readonly label: 'small' | 'large'
  readonly background: number
  readonly slb: OpenSlb
  readonly built: BuiltStore
  readonly memberships: number
  readonly setupSeconds: number
  readonly setupCalls: number
}

/** The two mutation loops; each connection runs its own sequence on its own groups. */
interface Loop {
  readonly id: 'add-remove' | 'set'
  readonly name: string
  readonly sequences: (loops: readonly LoopGroups[]) => RequestTemplate[][]
}

const LOOPS: readonly Loop[] = [
  {
    id: 'add-remove',
    name: `Add ${BATCH} + Remove ${BATCH} (alternating)`,
    sequences: addRemoveSequences,
  },
  { id: 'set', name: `SetVServerGroupAttribute (${BATCH} weights)`, sequences: setWeightSequences },
]

/** Counts the calls made through `api`. */
function counting(api: Api): { api: Api; calls: () => number } {
  let calls = 0
  return {
    api: {
      call: (action, params, version) => {
        calls += 1
        return api.call(action, params, version)
      },
    },
    calls: () => calls,
  }
}

async function prepareStore(
  label: 'small' | 'large',
  background: number,
  o: Options,
  build: ServerBuild,
  nodeArgs: readonly string[] = [],
): Promise<Store> {
  const pool = `127.${ADDRESS_POOL_OCTETS[label]}.0.0/16`
  const slb = await startOpenSlb(ROOT, build, { nodeArgs, serveArgs: [...SERVE_ARGS, '--address-pool', pool] })
  const counted = counting(apiOf({ host: HOST, port: slb.port }, slb.key))
  const t0 = performance.now()
  const built = await buildStore(counted.api, {
    background,
    liveBackground: o.liveBackground,
    connections: o.connections,
    width: o.width,
  })
  const setupSeconds = (performance.now() - t0) / 1000
  const setupCalls = counted.calls()
  const memberships = await countMemberships(counted.api, o.width)
  // Every listener bound and every member of a listened group in the data plane, or the run is void.
  const inDataplane = await dataplaneBackends(slb)
  const expected = o.liveBackground ? memberships : memberships - background
  if (inDataplane !== expected) {
    const output = slb.server.output()
    throw new Error(`${label} store: ${inDataplane} backends in the data plane, expected ${expected}:\n${output}`)
  }
  log(
    `${label} store: ${memberships} memberships, ${built.loadBalancers} load balancers, ` +
      `${built.instances} instances; ` +
      `built in ${setupSeconds.toFixed(1)} s (${setupCalls} calls)`,
  )
  await preflight(slb, built.loops[0]!)
  return { label, background, slb, built, memberships, setupSeconds, setupCalls }
}

/** Backends of every running listener, from GET /_openslb/stats. */
async function dataplaneBackends(slb: OpenSlb): Promise<number> {
  const res = await fetch(`http://${HOST}:${slb.port}/_openslb/stats`)
  return ((await res.json()) as { backends: unknown[] }).backends.length
}

/** Runs one cycle of each loop once, so a broken request fails here with its answer, not as a rate. */
async function preflight(slb: OpenSlb, groups: LoopGroups): Promise<void> {
  for (const loop of LOOPS) {
    for (const template of loop.sequences([groups])[0]!) {
      const { status, body } = await callOnce({ host: HOST, port: slb.port }, slb.key, template, 1)
      if (status !== 200 || 'Code' in body) {
        throw new Error(`${template.action} failed in the preflight: HTTP ${status} ${JSON.stringify(body)}`)
      }
    }
  }
}

function run(store: Store, loop: Loop, o: Options): Promise<Measurement> {
  const sequences = loop.sequences(store.built.loops)
  return measure(ROOT, store.slb.server.child.pid!, {
    host: HOST,
    port: store.slb.port,
    key: store.slb.key,
    template: sequences[0]![0]!,
    sequences,
    connections: o.connections,
    warmupMs: o.warmupS * 1000,
    durationMs: o.durationS * 1000,
  })
}

function describeRun(name: string, m: Measurement): string {
  const r = m.result
  const actions = Object.entries(r.byAction ?? {})
    .map(([a, s]) => `${a} p50 ${s.latency.p50Ms.toFixed(2)} / p99 ${s.latency.p99Ms.toFixed(2)} ms`)
    .join('; ')
  return (
    `  ${name}: ${Math.round(r.requestsPerSecond)} calls/s, p50 ${r.latency.p50Ms.toFixed(2)} ms, ` +
    `p99 ${r.latency.p99Ms.toFixed(2)} ms, errors ${r.errors}, server CPU ${m.serverCpuPercent.toFixed(0)}% ` +
    `(${m.serverUsPerRequest.toFixed(0)} µs/call), generator CPU ${r.generatorCpuPercent.toFixed(0)}%, ` +
    `other CPU ${m.otherCpuPercent.toFixed(0)}%` +
    (actions === '' ? '' : `\n    ${actions}`) +
    (r.errorSamples.length > 0 ? `\n    first error: ${r.errorSamples[0]}` : '')
  )
}

const key = (loop: Loop, store: Store): string => `${loop.id}@${store.label}`

/** `errors / requests` over repetitions. */
const errorsOf = (runs: ReadonlyArray<{ readonly errors: number; readonly requests: number }>): string =>
  `${runs.reduce((s, r) => s + r.errors, 0)} / ${formatInt(runs.reduce((s, r) => s + r.requests, 0))}`

function resultsTable(stores: readonly Store[], runs: Map<string, Measurement[]>): string {
  const head = [
    'loop',
    'store (memberships)',
    'calls/s (median)',
    'spread (min–max)',
    'p50 ms',
    'p99 ms',
    'errors',
    'server CPU %',
    'server CPU µs/call',
    'generator CPU %',
    'other CPU % (max)',
  ]
  const lines = [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`]
  for (const loop of LOOPS) {
    for (const store of stores) {
      const ms = runs.get(key(loop, store))!
      const rps = spread(ms.map((m) => m.result.requestsPerSecond))
      lines.push(
        `| ${[
          loop.name,
          formatInt(store.memberships),
          formatInt(rps.median),
          `${formatInt(rps.min)}–${formatInt(rps.max)}`,
          formatMs(median(ms.map((m) => m.result.latency.p50Ms))),
          formatMs(median(ms.map((m) => m.result.latency.p99Ms))),
          errorsOf(ms.map((m) => m.result)),
          median(ms.map((m) => m.serverCpuPercent)).toFixed(0),
          median(ms.map((m) => m.serverUsPerRequest)).toFixed(0),
          median(ms.map((m) => m.result.generatorCpuPercent)).toFixed(0),
          Math.max(...ms.map((m) => m.otherCpuPercent)).toFixed(0),
        ].join(' | ')} |`,
      )
      // A loop of several actions: each one's share of the calls and its own latency.
      const actions = Object.keys(ms[0]!.result.byAction ?? {})
      if (actions.length < 2) continue
      for (const action of actions) {
        const of = ms.map((m) => m.result.byAction![action]!)
        const perSecond = spread(ms.map((m, i) => of[i]!.requests / m.result.seconds))
        lines.push(
          `| ↳ ${action} | ${formatInt(store.memberships)} | ${formatInt(perSecond.median)} | ` +
            `${formatInt(perSecond.min)}–${formatInt(perSecond.max)} | ` +
            `${formatMs(median(of.map((a) => a.latency.p50Ms)))} | ` +
            `${formatMs(median(of.map((a) => a.latency.p99Ms)))} | ${errorsOf(of)} |  |  |  |  |`,
        )
      }
    }
  }
  return lines.join('\n')
}

/** One loop on the small and the large store: the issue-4 goals' measures. */
export interface LoopRatio {
  readonly id: Loop['id']
  readonly name: string
  readonly rpsSmall: number
  readonly rpsLarge: number
  /** Median p50 and p99 on the large store, ms. */
  readonly p50MsLarge: number
  readonly p99MsLarge: number
  /** calls/s small ÷ calls/s large. */
  readonly cost: number
  readonly usSmall: number
  readonly usLarge: number
}

function loopRatios(small: Store, large: Store, runs: Map<string, Measurement[]>): LoopRatio[] {
  return LOOPS.map((loop) => {
    const a = runs.get(key(loop, small))!
    const b = runs.get(key(loop, large))!
    const rpsSmall = median(a.map((m) => m.result.requestsPerSecond))
    const rpsLarge = median(b.map((m) => m.result.requestsPerSecond))
    return {
      id: loop.id,
      name: loop.name,
      rpsSmall,
      rpsLarge,
      p50MsLarge: median(b.map((m) => m.result.latency.p50Ms)),
      p99MsLarge: median(b.map((m) => m.result.latency.p99Ms)),
      cost: rpsSmall / rpsLarge,
      usSmall: median(a.map((m) => m.serverUsPerRequest)),
      usLarge: median(b.map((m) => m.serverUsPerRequest)),
    }
  })
}

/** The goal table: large vs small per loop, by throughput and by server CPU per call. */
function ratioTable(small: Store, large: Store, ratios: readonly LoopRatio[]): string {
  const s = formatInt(small.memberships)
  const l = formatInt(large.memberships)
  const head = [
    'loop',
    `calls/s @ ${s}`,
    `calls/s @ ${l}`,
    `cost ratio (${l} vs ${s})`,
    'goal',
    'met?',
    `server µs/call @ ${s}`,
    `server µs/call @ ${l}`,
    'CPU cost ratio',
    `≥ ${formatInt(GOALS.callsPerSecond)} calls/s @ ${l}?`,
  ]
  const lines = [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`]
  for (const r of ratios) {
    lines.push(
      `| ${[
        r.name,
        formatInt(r.rpsSmall),
        formatInt(r.rpsLarge),
        formatRatio(r.cost),
        `≤ ${GOALS.costRatio}`,
        r.cost <= GOALS.costRatio ? 'yes' : '**no**',
        r.usSmall.toFixed(0),
        r.usLarge.toFixed(0),
        formatRatio(r.usLarge / r.usSmall),
        r.rpsLarge >= GOALS.callsPerSecond ? 'yes' : '**no**',
      ].join(' | ')} |`,
    )
  }
  return lines.join('\n')
}

function storeLine(store: Store, o: Options): string {
  const loops = o.connections * BATCH
  return (
    `${store.label} store: ${formatInt(store.memberships)} memberships counted through DescribeVServerGroups ` +
    `(${formatInt(store.background)} background + ${loops} in the Set groups; the Add/Remove groups are empty ` +
    `between pairs), ${store.built.loadBalancers} load balancers, ${formatInt(store.built.instances)} instances; ` +
    `built through the API in ${store.setupSeconds.toFixed(1)} s (${formatInt(store.setupCalls)} calls)`
  )
}

/** What bench/all.ts takes from a run. */
export interface BackendServersResult {
  readonly connections: number
  readonly small: number
  readonly large: number
  readonly loops: readonly LoopRatio[]
  readonly errors: number
  readonly goals: typeof GOALS
}

async function benchmark(o: Options, build: ServerBuild, command: string): Promise<BackendServersResult> {
  const small = await prepareStore('small', o.small, o, build)
  const large = await prepareStore('large', o.large, o, build)
  const stores = [small, large]
  const runs = new Map<string, Measurement[]>()
  for (const loop of LOOPS) for (const store of stores) runs.set(key(loop, store), [])
  const perRep: string[] = []

  for (let rep = 1; rep <= o.reps; rep++) {
    log(`rep ${rep}/${o.reps}`)
    // Alternate which store goes first, so neither always runs on a warmer machine.
    const order = rep % 2 === 1 ? stores : [...stores].reverse()
    const ratios: string[] = []
    for (const loop of LOOPS) {
      const rps: Record<string, number> = {}
      for (const store of order) {
        const m = await run(store, loop, o)
        runs.get(key(loop, store))!.push(m)
        rps[store.label] = m.result.requestsPerSecond
        log(describeRun(`${loop.name} @ ${formatInt(store.memberships)}`, m))
        await sleep(PAUSE_BETWEEN_RUNS_MS)
      }
      ratios.push(`${loop.id} ${formatRatio(rps['small']! / rps['large']!)}`)
    }
    perRep.push(`rep ${rep}: ${ratios.join(', ')}`)
  }

  // Every loop ends where it started: the stores must hold what they held before the runs.
  const after = await Promise.all(
    stores.map((s) => countMemberships(apiOf({ host: HOST, port: s.slb.port }, s.slb.key), o.width)),
  )
  for (const s of stores) await stopOpenSlb(s.slb)

  const all = [...runs.values()].flat()
  const errorSamples = all.flatMap((m) => m.result.errorSamples)
  const noisy = Math.max(...all.map((m) => m.otherCpuPercent))
  const drift = stores.filter((s, i) => after[i] !== s.memberships)
  const ratios = loopRatios(small, large, runs)
  const block = [
    `Measured ${machineLine(describeMachine())}.`,
    '',
    `Command: ${command} — OpenSLB from ${build.note}, each server started with ` +
      `\`${SERVE_ARGS.join(' ')}\` and its own \`--address-pool\`; ` +
      `${o.connections} keep-alive connections, each on its own load balancer and groups; ${o.reps} interleaved ` +
      `repetitions of ${o.warmupS} s warm-up + ${o.durationS} s measured per loop and store.`,
    '',
    `- ${storeLine(small, o)}.`,
    `- ${storeLine(large, o)}.`,
    `- Background groups ${
      o.liveBackground
        ? 'behind started TCP listeners (health check off): live in the data plane'
        : 'not behind any listener: stored only (--background idle)'
    }; ` +
      'the measured groups are behind started TCP listeners in both stores.',
    '',
    resultsTable(stores, runs),
    '',
    `Goals: the ${formatInt(large.memberships)}-membership store costs ≤ ${GOALS.costRatio}× the ` +
      `${formatInt(small.memberships)}-membership one (cost ratio = calls/s small ÷ calls/s large), and ` +
      `≥ ${formatInt(GOALS.callsPerSecond)} signed mutations/s:`,
    '',
    ratioTable(small, large, ratios),
    '',
    `Per-repetition cost ratios: ${perRep.join('; ')}.`,
    ...(drift.length > 0
      ? ['', `Memberships after the runs differ from before (${drift.map((s) => s.label).join(', ')}): a loop broke.`]
      : []),
    ...(errorSamples.length > 0 ? ['', `First error seen: \`${errorSamples[0]!.replace(/`/g, "'")}\``] : []),
    ...(noisy > NOISY_PERCENT
      ? ['', `Other processes used up to ${noisy.toFixed(0)}% of a core during some measurements: this run is noisy.`]
      : []),
  ].join('\n')
  process.stdout.write('\n' + block + '\n')
  if (o.write) {
    writeMarkedBlock(DOCS, MARKER, block, '## Control plane: backend servers')
    log(`\nwritten to ${relative(ROOT, DOCS)}`)
  }
  return {
    connections: o.connections,
    small: small.memberships,
    large: large.memberships,
    loops: ratios,
    errors: all.reduce((s, m) => s + m.result.errors, 0),
    goals: GOALS,
  }
}

/**
 * Both stores on servers started with `node --cpu-prof`, each loop measured once on each; every
 * profile is cut to the measured window, so the set-up (and the other loop) is not in it.
 */
async function profile(o: Options, build: ServerBuild): Promise<void> {
  const outDir = join(tmpdir(), `openslb-bench-profiles-${Date.now()}`)
  mkdirSync(outDir, { recursive: true })
  log(`profiles in ${outDir} (OpenSLB from ${build.note})`)
  const stores: Store[] = []
  for (const [label, background] of [['small', o.small], ['large', o.large]] as const) {
    stores.push(await prepareStore(label, background, o, build, ['--cpu-prof', '--cpu-prof-dir', join(outDir, label)]))
  }
  const measured: Array<{ store: Store; loop: Loop; m: Measurement }> = []
  for (const loop of LOOPS) {
    for (const store of stores) {
      const m = await run(store, loop, o)
      log(describeRun(`${loop.name} @ ${formatInt(store.memberships)}`, m))
      measured.push({ store, loop, m })
    }
  }
  for (const s of stores) await stopOpenSlb(s.slb)
  for (const { store, loop, m } of measured) {
    const file = busiestProfile(join(outDir, store.label))
    if (file === undefined) throw new Error(`no .cpuprofile written for the ${store.label} store`)
    const summary = summarizeProfile(file, ROOT, { requests: m.result.requests, window: m.window })
    const title = `${loop.name} @ ${formatInt(store.memberships)} memberships`
    process.stdout.write(`\n### ${title}\n\n${describeRun('load', m).trim()}\n\n${summary.text}\n`)
  }
}

/**
 * Runs the benchmark with these command-line options (`--profile`: the profiles, and no result), within
 * its time budget; every process it started is stopped when it returns. `partOf`: the command of the
 * longer run this is a part of, for the recorded block.
 */
export async function backendServers(
  argv: readonly string[],
  partOf?: string,
): Promise<BackendServersResult | undefined> {
  const o = parseOptions(argv)
  const build = chooseServerBuild(ROOT, o.server)
  const perRun = o.warmupS + o.durationS + 3
  const budgetS = (o.profile ? 1 : o.reps) * LOOPS.length * 2 * perRun + 300
  const run = async (): Promise<BackendServersResult | undefined> => {
    if (!o.profile) return benchmark(o, build, commandText(SCRIPT, argv, partOf))
    await profile(o, build)
    return undefined
  }
  return withinBudget(budgetS, log, run, removeTempDirs)
}

if (isMain(import.meta.url)) {
  runBenchmark('backend-servers', () => backendServers(process.argv.slice(2)), stopEverythingNow, log)
}
