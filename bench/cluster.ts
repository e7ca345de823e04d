/**
 * Cluster benchmark (issue 7): signed mutations/s through 1, 2 and 3 API nodes on one PostgreSQL next to
 * one node on SQLite, in the same run, and the delay from a commit through node A to node B's data plane
 * applying it. Starts (and removes) its own throw-away PostgreSQL; records its tables in docs/benchmarks.md.
 *
 *   node --import tsx bench/cluster.ts [--duration 4] [--warmup 1] [--connections 12] [--reps 3]
 *     [--nodes 3] [--follow 200] [--poll-ms 1] [--wait-quiet 0] [--server dist|tsx] [--no-write]
 */
import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { apiOf, BATCH, buildStore, setWeightSequences, type LoopGroups } from './lib/backend-store.js'
import { CpuSampler, type Watched, type WindowCpu } from './lib/cluster-cpu.js'
import { follow, percentile, type FollowResult } from './lib/cluster-follow.js'
import { POSTGRES_SETTINGS, startPostgres, type Postgres } from './lib/cluster-postgres.js'
import { measure } from './lib/measure.js'
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
import { QuietGate } from './lib/quiet.js'
import { commandText, describeMachine, machineLine, writeMarkedBlock } from './lib/report.js'
import { SCENARIOS, type SetupCall } from './lib/scenarios.js'
import { callOnce, type AccessKey, type RequestTemplate } from './lib/signed-request.js'
import { formatInt, formatMs, formatRatio, median, spread } from './lib/stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')
const DOCS = join(ROOT, 'docs', 'benchmarks.md')
const MARKER = 'cluster'
const HEADING = '## Control plane: several nodes on one PostgreSQL'
const SCRIPT = 'bench/cluster.ts'
const PAUSE_BETWEEN_RUNS_MS = 500
/** Other processes' CPU (% of one core) above which a run is flagged as noisy (and redone with --wait-quiet). */
const NOISY_PERCENT = 20
/** Other processes' CPU (% of one core) under which the machine counts as quiet (--wait-quiet). */
const QUIET_PERCENT = 10
const FOLLOW_WARMUP_CALLS = 20
const FOLLOW_TIMEOUT_MS = 5_000
/**
 * Load balancers' addresses, which only the data-plane node binds: a /16 of 127/8 of its own, away
 * from the default pool (127.1) that a test server or another benchmark on the machine binds.
 */
const ADDRESS_POOL = `127.${64 + Math.floor(Math.random() * 127)}.0.0/16`

interface Options {
  readonly durationS: number
  readonly warmupS: number
  readonly connections: number
  readonly reps: number
  /** The most API nodes on PostgreSQL: targets are 1 … nodes. */
  readonly nodes: number
  /** Recorded calls of the follow measurement, per repetition. */
  readonly followCalls: number
  readonly pollMs: number
  /** Seconds, at most, spent waiting for the rest of the machine to go quiet and redoing disturbed runs. */
  readonly waitQuietS: number
  readonly server: 'dist' | 'tsx'
  readonly write: boolean
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      duration: { type: 'string', default: '4' },
      warmup: { type: 'string', default: '1' },
      connections: { type: 'string', default: '12' },
      reps: { type: 'string', default: '3' },
      nodes: { type: 'string', default: '3' },
      follow: { type: 'string', default: '200' },
      'poll-ms': { type: 'string', default: '1' },
      'wait-quiet': { type: 'string', default: '0' },
      server: { type: 'string', default: 'dist' },
      'no-write': { type: 'boolean', default: false },
    },
  })
  const number = (name: string, text: string, min: number, max: number): number => {
    const n = Number(text)
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be between ${min} and ${max}`)
    return n
  }
  if (values.server !== 'dist' && values.server !== 'tsx') throw new Error('--server must be dist or tsx')
  return {
    durationS: number('duration', values.duration, 0.5, 60),
    warmupS: number('warmup', values.warmup, 0, 30),
    // One load balancer per connection plus the tagged one, within the default quota of 60.
    connections: Math.round(number('connections', values.connections, 1, 48)),
    reps: Math.round(number('reps', values.reps, 1, 20)),
    nodes: Math.round(number('nodes', values.nodes, 1, 5)),
    followCalls: Math.round(number('follow', values.follow, 1, 5_000)),
    pollMs: number('poll-ms', values['poll-ms'], 0, 100),
    waitQuietS: number('wait-quiet', values['wait-quiet'], 0, 3600),
    server: values.server,
    write: !values['no-write'],
  }
}

const log = (line: string): void => {
  process.stderr.write(line + '\n')
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** What the mutation loops work on in one store: built through the signed API of one of its nodes. */
interface Workload {
  /** TagResources of one tag, the API benchmark's mutation (bench/lib/scenarios.ts). */
  readonly tag: RequestTemplate
  /** Per connection: SetVServerGroupAttribute of its own group's 20 weights (bench/lib/backend-store.ts). */
  readonly set: RequestTemplate[][]
  readonly loops: readonly LoopGroups[]
}

interface Mutation {
  readonly id: 'tag' | 'set'
  readonly name: string
  readonly load: (w: Workload) => { template: RequestTemplate; sequences?: RequestTemplate[][] }
}

const MUTATIONS: readonly Mutation[] = [
  { id: 'tag', name: 'TagResources (1 tag)', load: (w) => ({ template: w.tag }) },
  {
    id: 'set',
    name: `SetVServerGroupAttribute (${BATCH} weights)`,
    load: (w) => ({ template: w.set[0]![0]!, sequences: w.set }),
  },
]

/** One store and the API nodes a run spreads its connections over. */
interface Target {
  readonly id: string
  readonly name: string
  readonly nodes: readonly Node[]
  readonly workload: Workload
}

interface Node {
  readonly name: string
  readonly slb: OpenSlb
}

/** One measured run of one mutation against one target. */
interface Run {
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly requests: number
  readonly errors: number
  readonly errorSamples: readonly string[]
  /** Each of the target's nodes, % of one core. */
  readonly nodeCpu: readonly number[]
  readonly postgresCpu: number
  /** Target nodes and PostgreSQL together, per call. */
  readonly serverUsPerCall: number
  readonly generatorCpu: number
  readonly machineCpu: number
  readonly otherCpu: number
}

function setupCall(slb: OpenSlb): SetupCall {
  const api = apiOf({ host: HOST, port: slb.port }, slb.key)
  return (t) => api.call(t.action, { ...t.params }, t.version)
}

async function prepareWorkload(slb: OpenSlb, o: Options): Promise<Workload> {
  const { mutation } = await SCENARIOS['load-balancers'].setup(setupCall(slb))
  const built = await buildStore(apiOf({ host: HOST, port: slb.port }, slb.key), {
    background: 0,
    liveBackground: false,
    connections: o.connections,
    width: 4,
  })
  return { tag: mutation, set: setWeightSequences(built.loops), loops: built.loops }
}

/** One call of each mutation through every node, so a broken request fails here with its answer. */
async function preflight(target: Target): Promise<void> {
  for (const node of target.nodes) {
    for (const t of [target.workload.tag, ...target.workload.set[0]!]) {
      const { status, body } = await callOnce({ host: HOST, port: node.slb.port }, node.slb.key, t, 1)
      if (status !== 200 || 'Code' in body) {
        const answer = `HTTP ${status} ${JSON.stringify(body)}`
        throw new Error(`${t.action} through ${node.name} failed in the preflight: ${answer}`)
      }
    }
  }
}

async function runOnce(target: Target, mutation: Mutation, watched: readonly Watched[], o: Options): Promise<Run> {
  const first = target.nodes[0]!.slb
  const sampler = new CpuSampler(watched)
  let m
  try {
    m = await measure(ROOT, first.server.child.pid!, {
      host: HOST,
      port: first.port,
      ports: target.nodes.map((n) => n.slb.port),
      key: first.key,
      ...mutation.load(target.workload),
      connections: o.connections,
      warmupMs: o.warmupS * 1000,
      durationMs: o.durationS * 1000,
    })
  } finally {
    sampler.stop()
  }
  const cpu = sampler.between(m.window.fromUs, m.window.toUs)
  const r = m.result
  const nodeCpu = target.nodes.map((n) => cpu.percent.get(n.name) ?? 0)
  const postgresCpu = target.id === 'sqlite' ? 0 : (cpu.percent.get('postgres') ?? 0)
  const known = [...cpu.percent.values()].reduce((s, p) => s + p, 0) + r.generatorCpuPercent
  const serverPercent = nodeCpu.reduce((s, p) => s + p, 0) + postgresCpu
  return {
    rps: r.requestsPerSecond,
    p50Ms: r.latency.p50Ms,
    p99Ms: r.latency.p99Ms,
    requests: r.requests,
    errors: r.errors,
    errorSamples: r.errorSamples,
    nodeCpu,
    postgresCpu,
    serverUsPerCall: r.requestsPerSecond > 0 ? (serverPercent * 1e4) / r.requestsPerSecond : Number.NaN,
    generatorCpu: r.generatorCpuPercent,
    machineCpu: cpu.machinePercent,
    otherCpu: Math.max(0, cpu.machinePercent - known),
  }
}

function describeRun(name: string, run: Run): string {
  return (
    `  ${name}: ${Math.round(run.rps)} calls/s, p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms, ` +
    `errors ${run.errors}, node CPU ${run.nodeCpu.map((c) => c.toFixed(0)).join('/')}%, ` +
    `PostgreSQL CPU ${run.postgresCpu.toFixed(0)}% (${run.serverUsPerCall.toFixed(0)} µs/call together), ` +
    `generator CPU ${run.generatorCpu.toFixed(0)}%, machine ${run.machineCpu.toFixed(0)}%, ` +
    `other ${run.otherCpu.toFixed(0)}%` +
    (run.errorSamples.length > 0 ? `\n    first error: ${run.errorSamples[0]}` : '')
  )
}

/** The follow measurement of one repetition, with the CPU of A, B and PostgreSQL over it. */
interface FollowRep {
  readonly result: FollowResult
  readonly cpu: WindowCpu
}

async function healthOf(slb: OpenSlb): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${HOST}:${slb.port}/_openslb/health`)
  return (await res.json()) as Record<string, unknown>
}

/** Waits until B listens for commits and has applied everything A's store holds. */
async function caughtUp(a: OpenSlb, b: OpenSlb, timeoutMs: number): Promise<void> {
  const head = (await healthOf(a))['generation'] as number
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const h = await healthOf(b)
    const feed = h['feed'] as { connected?: boolean } | undefined
    if (feed?.connected === true && (h['appliedGeneration'] as number) >= head) return
    if (Date.now() > deadline) throw new Error(`the data-plane node did not catch up: ${JSON.stringify(h)}`)
    await sleep(20)
  }
}

/** A fresh `--role dataplane` node B follows calls made through A; it is stopped afterwards. */
async function followRep(
  a: Node,
  postgres: Postgres,
  workload: Workload,
  rep: number,
  o: Options,
  build: ServerBuild,
): Promise<FollowRep> {
  const b = await startOpenSlb(ROOT, build, {
    key: a.slb.key,
    serveArgs: ['--role', 'dataplane', '--store', postgres.url, '--address-pool', ADDRESS_POOL],
  })
  try {
    await caughtUp(a.slb, b, 30_000)
    // Every Set group's members in B's data plane, or the applied generation would mean nothing.
    const stats = await (await fetch(`http://${HOST}:${b.port}/_openslb/stats`)).json()
    const backends = (stats as { backends: unknown[] }).backends.length
    if (backends !== o.connections * BATCH) {
      throw new Error(`data-plane node: ${backends} backends, expected ${o.connections * BATCH}:\n${b.server.output()}`)
    }
    const sampler = new CpuSampler([
      { name: 'A', pid: a.slb.server.child.pid! },
      { name: 'B', pid: b.server.child.pid! },
      { name: 'postgres', pid: postgres.pid, tree: true },
    ])
    let result
    try {
      result = await follow({
        host: HOST,
        apiPort: a.slb.port,
        dataplanePort: b.port,
        key: a.slb.key,
        // The first connection's group, whose listener B runs: every call changes all 20 weights.
        templates: workload.set[0]!,
        counterStart: 2_000_000_000 + rep * 100_000,
        warmupCalls: FOLLOW_WARMUP_CALLS,
        calls: o.followCalls,
        pollMs: o.pollMs,
        timeoutMs: FOLLOW_TIMEOUT_MS,
      })
    } finally {
      sampler.stop()
    }
    return { result, cpu: sampler.whole() }
  } finally {
    await stopOpenSlb(b)
  }
}

function describeFollow(f: FollowRep): string {
  const upper = f.result.samples.map((s) => s.upperMs)
  return (
    `  follow A → B: ${upper.length} calls, delay p50 ${formatMs(percentile(upper, 50))} ms, ` +
    `p99 ${formatMs(percentile(upper, 99))} ms, max ${formatMs(Math.max(...upper))} ms, ` +
    `timeouts ${f.result.timeouts}, errors ${f.result.errors.length}, ` +
    `CPU A/B/PostgreSQL ${['A', 'B', 'postgres'].map((n) => (f.cpu.percent.get(n) ?? 0).toFixed(0)).join('/')}%`
  )
}

const errorsOf = (runs: readonly Run[]): string =>
  `${runs.reduce((s, r) => s + r.errors, 0)} / ${formatInt(runs.reduce((s, r) => s + r.requests, 0))}`

function throughputTable(targets: readonly Target[], runs: Map<string, Run[]>, cores: number): string {
  const head = [
    'mutation',
    'store · API nodes',
    'calls/s (median)',
    'spread (min–max)',
    'ratio vs SQLite',
    'p50 ms',
    'p99 ms',
    'errors',
    'CPU % of each API node',
    'PostgreSQL CPU %',
    'server CPU µs/call',
    'generator CPU %',
    `machine CPU % (of ${cores * 100})`,
    'other CPU % (max)',
  ]
  const lines = [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`]
  for (const mutation of MUTATIONS) {
    const base = median(runs.get(`${mutation.id}@sqlite`)!.map((r) => r.rps))
    for (const target of targets) {
      const rs = runs.get(`${mutation.id}@${target.id}`)!
      const rps = spread(rs.map((r) => r.rps))
      lines.push(
        `| ${[
          mutation.name,
          target.name,
          formatInt(rps.median),
          `${formatInt(rps.min)}–${formatInt(rps.max)}`,
          target.id === 'sqlite' ? '1.00' : formatRatio(rps.median / base),
          formatMs(median(rs.map((r) => r.p50Ms))),
          formatMs(median(rs.map((r) => r.p99Ms))),
          errorsOf(rs),
          target.nodes.map((_, i) => median(rs.map((r) => r.nodeCpu[i]!)).toFixed(0)).join(' / '),
          target.id === 'sqlite' ? '–' : median(rs.map((r) => r.postgresCpu)).toFixed(0),
          median(rs.map((r) => r.serverUsPerCall)).toFixed(0),
          median(rs.map((r) => r.generatorCpu)).toFixed(0),
          median(rs.map((r) => r.machineCpu)).toFixed(0),
          Math.max(...rs.map((r) => r.otherCpu)).toFixed(0),
        ].join(' | ')} |`,
      )
    }
  }
  return lines.join('\n')
}

function followTable(reps: readonly FollowRep[]): string {
  const all = reps.flatMap((f) => f.result.samples)
  const upper = all.map((s) => s.upperMs)
  const lower = all.map((s) => s.lowerMs)
  const perRep = spread(reps.map((f) => percentile(f.result.samples.map((s) => s.upperMs), 50)))
  const cpu = (name: string): string => median(reps.map((f) => f.cpu.percent.get(name) ?? 0)).toFixed(0)
  const head = [
    'path',
    'calls',
    'delay p50 ms',
    'delay p99 ms',
    'max ms',
    'p50 per repetition (min–max)',
    'lower bound p50 / p99 ms',
    'timeouts',
    'polls per call (median)',
    'call through A p50 ms',
    'CPU % A / B / PostgreSQL',
  ]
  const row = [
    'commit through A (`--role api`) → applied by B (`--role dataplane`): ' +
      `SetVServerGroupAttribute (${BATCH} weights)`,
    formatInt(all.length),
    formatMs(percentile(upper, 50)),
    formatMs(percentile(upper, 99)),
    formatMs(Math.max(...upper)),
    `${formatMs(perRep.min)}–${formatMs(perRep.max)}`,
    `${formatMs(percentile(lower, 50))} / ${formatMs(percentile(lower, 99))}`,
    String(reps.reduce((s, f) => s + f.result.timeouts, 0)),
    String(median(all.map((s) => s.polls))),
    formatMs(percentile(all.map((s) => s.callMs), 50)),
    `${cpu('A')} / ${cpu('B')} / ${cpu('postgres')}`,
  ]
  const rule = `|---|${head.slice(1).map(() => '---:').join('|')}|`
  return [`| ${head.join(' | ')} |`, rule, `| ${row.join(' | ')} |`].join('\n')
}

async function startNodes(
  postgres: Postgres,
  key: AccessKey,
  o: Options,
  build: ServerBuild,
): Promise<{ sqlite: Node; pg: Node[] }> {
  // Both sides `--role api`: the same work per call (no data plane on the answering node).
  const sqlite = { name: 'sqlite', slb: await startOpenSlb(ROOT, build, { key, serveArgs: ['--role', 'api'] }) }
  const serveArgs = ['--role', 'api', '--store', postgres.url, '--address-pool', ADDRESS_POOL]
  // The first node migrates the empty database; the others start together.
  const first = { name: 'pg1', slb: await startOpenSlb(ROOT, build, { key, serveArgs }) }
  const rest = await Promise.all(
    Array.from({ length: o.nodes - 1 }, async (_, i) => ({
      name: `pg${i + 2}`,
      slb: await startOpenSlb(ROOT, build, { key, serveArgs }),
    })),
  )
  return { sqlite, pg: [first, ...rest] }
}

export interface ClusterResult {
  readonly runs: ReadonlyMap<string, readonly Run[]>
  readonly follow: readonly FollowRep[]
}

async function benchmark(o: Options, build: ServerBuild, command: string): Promise<ClusterResult> {
  const key: AccessKey = {
    accessKeyId: 'LTAIbench' + randomBytes(8).toString('hex'),
    accessKeySecret: randomBytes(15).toString('hex'),
  }
  const started = performance.now()
  const postgres = await startPostgres()
  log(`PostgreSQL ${postgres.version} at ${postgres.url}`)
  const nodes: Node[] = []
  try {
    const { sqlite, pg } = await startNodes(postgres, key, o, build)
    nodes.push(sqlite, ...pg)
    const t0 = performance.now()
    const [sqliteWork, pgWork] = await Promise.all([prepareWorkload(sqlite.slb, o), prepareWorkload(pg[0]!.slb, o)])
    log(`set-up through the API: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    const targets: Target[] = [
      { id: 'sqlite', name: 'SQLite · 1', nodes: [sqlite], workload: sqliteWork },
      ...pg.map((_, i) => ({
        id: `pg${i + 1}`,
        name: `PostgreSQL · ${i + 1}`,
        nodes: pg.slice(0, i + 1),
        workload: pgWork,
      })),
    ]
    for (const target of targets) await preflight(target)
    const watched: Watched[] = [
      ...nodes.map((n) => ({ name: n.name, pid: n.slb.server.child.pid! })),
      { name: 'postgres', pid: postgres.pid, tree: true },
      { name: 'bench', pid: process.pid },
    ]

    const gate = new QuietGate(o.waitQuietS, QUIET_PERCENT, log)
    const runs = new Map<string, Run[]>()
    const followReps: FollowRep[] = []
    const perRep: string[] = []
    for (let rep = 1; rep <= o.reps; rep++) {
      log(`rep ${rep}/${o.reps}`)
      // Alternating the order spreads a drift (a growing store, a neighbour) over every target.
      const order = rep % 2 === 1 ? targets : [...targets].reverse()
      const ratios: string[] = []
      for (const mutation of MUTATIONS) {
        const rps = new Map<string, number>()
        for (const target of order) {
          // The pause between runs doubles as the probe of the rest of the machine.
          await gate.pause(PAUSE_BETWEEN_RUNS_MS)
          let run = await runOnce(target, mutation, watched, o)
          log(describeRun(`${mutation.id} · ${target.name}`, run))
          // With --wait-quiet, a run another workload disturbed is done again once the machine is quiet.
          for (let again = 0; again < 2 && gate.redo(run.otherCpu, NOISY_PERCENT); again++) {
            await gate.pause(PAUSE_BETWEEN_RUNS_MS)
            const t0 = performance.now()
            run = await runOnce(target, mutation, watched, o)
            gate.charge(performance.now() - t0)
            log(describeRun(`${mutation.id} · ${target.name}`, run) + '  (again)')
          }
          const k = `${mutation.id}@${target.id}`
          runs.set(k, [...(runs.get(k) ?? []), run])
          rps.set(target.id, run.rps)
        }
        const vs = targets.slice(1).map((t) => `${t.nodes.length} ${formatRatio(rps.get(t.id)! / rps.get('sqlite')!)}`)
        ratios.push(`${mutation.id === 'tag' ? 'TagResources' : 'SetVServerGroupAttribute'} ${vs.join(', ')}`)
      }
      perRep.push(`rep ${rep}: ${ratios.join('; ')}`)
      await gate.pause(PAUSE_BETWEEN_RUNS_MS)
      const f = await followRep(pg[0]!, postgres, pgWork, rep, o, build)
      followReps.push(f)
      log(describeFollow(f))
    }

    const machine = describeMachine()
    const cores = availableParallelism()
    const all = [...runs.values()].flat()
    const errorSample = all.flatMap((r) => r.errorSamples)[0] ?? followReps.flatMap((f) => f.result.errors)[0]
    const noisy = Math.max(...all.map((r) => r.otherCpu))
    const widest = `pg${o.nodes}`
    const busiest = median(MUTATIONS.flatMap((m) => runs.get(`${m.id}@${widest}`)!.map((r) => r.machineCpu)))
    const unloadedMs = percentile(
      followReps.flatMap((f) => f.result.samples.map((s) => s.callMs)),
      50,
    )
    const pgSet = targets.slice(1).map((t) => median(runs.get(`set@${t.id}`)!.map((r) => r.rps)))
    const block = [
      `Measured ${machineLine(machine)}.`,
      '',
      `Command: ${command} — OpenSLB from ${build.note}; PostgreSQL ${postgres.version} started by the ` +
        `benchmark (a throw-away cluster on 127.0.0.1, ${POSTGRES_SETTINGS.join(', ')}); every API node ` +
        `\`--role api\` with the same access key (the SQLite node too); ${o.connections} keep-alive connections ` +
        `split round-robin over the target's nodes; ${o.reps} interleaved repetitions of ${o.warmupS} s warm-up + ` +
        `${o.durationS} s measured per mutation and target` +
        (o.waitQuietS > 0
          ? `; up to ${o.waitQuietS} s of waiting for quiet allowed, ${(gate.spentMs / 1000).toFixed(0)} s used, ` +
            `${gate.redone} disturbed run${gate.redone === 1 ? '' : 's'} redone.`
          : '.'),
      '',
      throughputTable(targets, runs, cores),
      '',
      `Per-repetition ratios vs SQLite (by API nodes on PostgreSQL): ${perRep.join('; ')}.`,
      '',
      `The machine (${cores} vCPUs shared by every node, PostgreSQL and the generator) was ${busiest.toFixed(0)}% ` +
        `busy of ${cores * 100}% during the ${o.nodes}-node runs` +
        (busiest < 0.85 * cores * 100 ? ': not CPU-bound.' : ': CPU-bound.') +
        ` Alone, one ${MUTATIONS[1]!.name} through a PostgreSQL node took ${formatMs(unloadedMs)} ms (p50 of ` +
        `the delay runs' calls), ${formatInt(1000 / unloadedMs)} calls/s one after another; ${o.connections} ` +
        `connections through 1–${o.nodes} nodes reached ${pgSet.map((r) => formatInt(r)).join(' / ')} calls/s, ` +
        `${pgSet.map((r) => formatRatio((r * unloadedMs) / 1000)).join(' / ')}× that: one account's writes ` +
        'queue on PostgreSQL (see above), so concurrency adds little.',
      '',
      `Delay from a commit through node A to node B's data plane, ${o.reps} repetitions of ` +
        `${FOLLOW_WARMUP_CALLS} unrecorded + ${o.followCalls} calls (one at a time; a fresh B per repetition):`,
      '',
      followTable(followReps),
      '',
      "The delay runs from A's answer (the commit happened before it) to the first answer of B's " +
        `\`/_openslb/health\` showing \`appliedGeneration\` ≥ the head generation A reported after its answer; ` +
        `B is polled every ${o.pollMs} ms over keep-alive, so it is an upper bound by one poll interval and one ` +
        "poll round trip. The lower bound runs to the sending of B's last poll that had not applied it yet.",
      ...(errorSample === undefined ? [] : ['', `First error seen: \`${errorSample.replace(/`/g, "'")}\``]),
      ...(noisy > NOISY_PERCENT
        ? [
            '',
            `Other processes used up to ${noisy.toFixed(0)}% of a core during some measurements: this run is noisy ` +
              '(compare the per-repetition ratios, and rerun on a quiet machine).',
          ]
        : []),
    ].join('\n')
    process.stdout.write('\n' + block + '\n')
    log(`\nfinished in ${((performance.now() - started) / 1000).toFixed(0)} s`)
    if (o.write) {
      writeMarkedBlock(DOCS, MARKER, block, HEADING)
      log(`\nwritten to ${relative(ROOT, DOCS)}`)
    }
    return { runs, follow: followReps }
  } finally {
    await Promise.all(nodes.map((n) => stopOpenSlb(n.slb)))
    await postgres.stop()
  }
}

/**
 * Runs the benchmark with these command-line options within its time budget; every process it started,
 * PostgreSQL included, is stopped and every temp directory removed when it returns.
 */
export async function cluster(argv: readonly string[], partOf?: string): Promise<ClusterResult> {
  const o = parseOptions(argv)
  const build = chooseServerBuild(ROOT, o.server)
  const perRun = o.warmupS + o.durationS + 3
  const followS = 15 + ((FOLLOW_WARMUP_CALLS + o.followCalls) * (FOLLOW_TIMEOUT_MS / 1000)) / 50
  const budgetS = 180 + o.waitQuietS * 1.5 + o.reps * (MUTATIONS.length * (o.nodes + 1) * perRun + followS)
  return withinBudget(budgetS, log, () => benchmark(o, build, commandText(SCRIPT, argv, partOf)), removeTempDirs)
}

if (isMain(import.meta.url)) {
  runBenchmark('cluster', () => cluster(process.argv.slice(2)), stopEverythingNow, log)
}
