/**
 * Data-plane benchmark (issue 6): OpenSLB's builtin HTTP/TCP/UDP listeners next to the direct limit,
 * HAProxy and nginx, on the same three loopback backends in the same run, with interleaved repetitions.
 * Prints the tables and the goals met or not, and records them in docs/benchmarks.md (see there); also
 * two parts of bench/all.ts (the main run and `--reconfig`), which imports `dataplane`.
 *
 *   node --import tsx bench/dataplane.ts [--quick] [--duration 5] [--rate-duration 5] [--reps 3] [--rate 2000]
 *     [--udp-flows 32] [--only http,tcp,udp] [--health-check on|off] [--server dist|tsx] [--wait-quiet 0]
 *     [--no-write] [--reconfig [--reconfig-changes 1000] [--nginx-reloads 100]] [--profile]
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { busiestProfile, summarizeProfile } from './lib/cpu-profile.js'
import { configure, dataplaneStats, setWeights, type Protocol, type SlbSetup } from './lib/dataplane-openslb.js'
import { runHey, runWrk, type HttpLoadResult } from './lib/http-load.js'
import {
  chooseServerBuild,
  makeTempDir,
  removeTempDirs,
  startOpenSlb,
  stopEverythingNow,
  stopOpenSlb,
  type OpenSlb,
  type ServerBuild,
} from './lib/openslb-server.js'
import {
  installMissing,
  servedRequests,
  startBackends,
  startHaproxy,
  startNginxProxy,
  versions,
  type Endpoint,
  type NginxBackend,
} from './lib/peers.js'
import {
  forkTs,
  isMain,
  machineCpuSeconds,
  runBenchmark,
  stopChild,
  treeCpuSeconds,
  withinBudget,
} from './lib/processes.js'
import {
  detailTable,
  goals,
  goalsTable,
  rateTable,
  rowsOf,
  runKey,
  summaryTable,
  type Goal,
  type Layer,
  type Mode,
  type Row,
  type Run,
  type Runs,
  type Target,
} from './lib/dataplane-report.js'
import { QuietGate } from './lib/quiet.js'
import { commandText, describeMachine, machineLine, writeMarkedBlock } from './lib/report.js'
import { formatInt, formatMs, formatRatio } from './lib/stats.js'
import type { EchoReply, EchoRequest } from './lib/udp-echo.js'
import type { UdpJob, UdpMessage, UdpResult } from './lib/udp-load.js'
import type { ChildProcess } from 'node:child_process'

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')
const DOCS = join(ROOT, 'docs', 'benchmarks.md')
const MARKER = 'dataplane'
const SCRIPT = 'bench/dataplane.ts'
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const
const WEIGHTS = [100, 50, 0] as const
const PAUSE_MS = 1_000
const WRK = { threads: 2, connections: 64 } as const
const HEY_WORKERS = 20
/** Other processes' CPU (% of one core) above which a run is flagged as noisy. */
const NOISY_PERCENT = 20
/** Other processes' CPU (% of one core) under which the machine counts as quiet (--wait-quiet). */
const QUIET_PERCENT = 15

const log = (line: string): void => {
  process.stderr.write(line + '\n')
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

interface Options {
  readonly durationS: number
  readonly rateDurationS: number
  readonly reps: number
  readonly rate: number
  readonly udpFlows: number
  readonly only: ReadonlySet<Protocol>
  readonly healthCheck: boolean
  readonly server: 'dist' | 'tsx'
  readonly write: boolean
  readonly quick: boolean
  readonly reconfig: number
  /** nginx reloads with swapped weights in the reconfiguration pass, the peer's way to change weights. */
  readonly nginxReloads: number
  readonly profile: boolean
  /** Seconds to wait, at most, for the rest of the machine to go quiet before starting. */
  readonly waitQuietS: number
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      'rate-duration': { type: 'string' },
      reps: { type: 'string', default: '3' },
      rate: { type: 'string', default: '2000' },
      'udp-flows': { type: 'string', default: '32' },
      only: { type: 'string', default: 'http,tcp,udp' },
      'health-check': { type: 'string', default: 'on' },
      server: { type: 'string', default: 'dist' },
      'no-write': { type: 'boolean', default: false },
      'wait-quiet': { type: 'string', default: '0' },
      reconfig: { type: 'boolean', default: false },
      'reconfig-changes': { type: 'string', default: '1000' },
      'nginx-reloads': { type: 'string', default: '100' },
      profile: { type: 'boolean', default: false },
    },
  })
  const number = (name: string, text: string, min: number, max: number): number => {
    const n = Number(text)
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be between ${min} and ${max}`)
    return n
  }
  const only = new Set(values.only.split(',').map((s) => s.trim().toLowerCase()))
  for (const p of only) if (p !== 'http' && p !== 'tcp' && p !== 'udp') throw new Error('--only takes http,tcp,udp')
  if (values.server !== 'dist' && values.server !== 'tsx') throw new Error('--server must be dist or tsx')
  if (values['health-check'] !== 'on' && values['health-check'] !== 'off') throw new Error('--health-check on|off')
  const quick = values.quick
  const durationS = number('duration', values.duration ?? (quick ? '2' : '5'), 1, 60)
  return {
    durationS,
    rateDurationS: number('rate-duration', values['rate-duration'] ?? String(durationS), 1, 60),
    reps: Math.round(number('reps', values.reps, 1, 20)),
    rate: Math.round(number('rate', values.rate, HEY_WORKERS, 100_000) / HEY_WORKERS) * HEY_WORKERS,
    udpFlows: Math.round(number('udp-flows', values['udp-flows'], 1, 1000)),
    only: only as Set<Protocol>,
    healthCheck: values['health-check'] === 'on',
    server: values.server,
    write: !values['no-write'],
    quick,
    reconfig: values.reconfig ? Math.round(number('reconfig-changes', values['reconfig-changes'], 1, 100_000)) : 0,
    nginxReloads: Math.round(number('nginx-reloads', values['nginx-reloads'], 0, 10_000)),
    profile: values.profile,
    waitQuietS: number('wait-quiet', values['wait-quiet'], 0, 3600),
  }
}

// ---- the run's processes ------------------------------------------------------------------------

interface UdpEcho extends Endpoint {
  readonly child: ChildProcess
}

async function startUdpEcho(host: string): Promise<UdpEcho> {
  const child = forkTs(join(ROOT, 'bench', 'lib', 'udp-echo.ts'), ROOT)
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('UDP echo did not start within 30 s')), 30_000)
    child.once('message', (m: EchoReply) => {
      clearTimeout(timer)
      if (m.type === 'bound') resolve(m.port)
    })
    child.once('exit', (code) => reject(new Error(`UDP echo exited (${code})`)))
    child.send({ type: 'bind', host, port: 0 } satisfies EchoRequest)
  })
  return { host, port, child }
}

function echoCount(echo: UdpEcho): Promise<{ readonly datagrams: number; readonly flows: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('UDP echo did not answer a count')), 5_000)
    echo.child.once('message', (m: EchoReply) => {
      clearTimeout(timer)
      if (m.type === 'count') resolve(m)
    })
    echo.child.send({ type: 'count' } satisfies EchoRequest)
  })
}

interface World {
  readonly dir: string
  readonly backends: readonly NginxBackend[]
  readonly echoes: readonly UdpEcho[]
  readonly slb: OpenSlb
  readonly setup: SlbSetup
  /** Protocols whose OpenSLB listener could not be set up or does not serve, with why. */
  readonly unavailable: ReadonlyMap<Protocol, string>
  readonly targets: readonly Target[]
}

// ---- targets and runs ---------------------------------------------------------------------------

/** Requests (UDP: datagrams) each backend served so far; UDP also the flows since the previous reading. */
async function backendCounters(
  world: Pick<World, 'backends' | 'echoes'>,
  layer: Layer,
): Promise<{ readonly hits: number[]; readonly flows?: number[] }> {
  if (layer === 'udp') {
    const counts = await Promise.all(world.echoes.map(echoCount))
    return { hits: counts.map((c) => c.datagrams), flows: counts.map((c) => c.flows) }
  }
  return { hits: await Promise.all(world.backends.map(servedRequests)) }
}

async function slbCounters(world: World, target: Target): Promise<number[] | undefined> {
  if (target.listenerKey === undefined) return undefined
  const stats = (await dataplaneStats(world.slb)).filter((s) => s.listenerKey === target.listenerKey)
  const hosts = target.layer === 'udp' ? world.echoes : world.backends
  return hosts.map((h) => {
    const s = stats.find((x) => x.address === h.host && x.port === h.port)
    if (s === undefined) return 0
    return target.layer === 'http' ? s.requests : s.connections
  })
}

interface CpuSample {
  readonly sut: number
  readonly ours: number
  readonly machine: number
  readonly at: number
}

const sampleCpu = (pid: number): CpuSample => ({
  sut: treeCpuSeconds(pid),
  ours: treeCpuSeconds(process.pid),
  machine: machineCpuSeconds().busy,
  at: performance.now(),
})

function runUdpLoad(target: Target, o: Options): Promise<UdpResult> {
  const job: UdpJob = {
    host: target.endpoint.host,
    port: target.endpoint.port,
    flows: o.udpFlows,
    payloadBytes: 64,
    warmupMs: 500,
    durationMs: o.durationS * 1000,
    lossTimeoutMs: 200,
  }
  const child = forkTs(join(ROOT, 'bench', 'lib', 'udp-load.ts'), ROOT)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child)
      reject(new Error('UDP generator overran its time limit'))
    }, job.warmupMs + job.durationMs + 30_000)
    child.on('message', (m: UdpMessage) => {
      if (m.type === 'failed') {
        clearTimeout(timer)
        reject(new Error(`UDP generator failed: ${m.message}`))
      } else if (m.type === 'result') {
        clearTimeout(timer)
        resolve(m.result)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`UDP generator exited (${code}) without a result`))
    })
    child.send(job)
  })
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n)

const urlOf = (ep: Endpoint): string => `http://${ep.host}:${ep.port}/`

async function runOnce(world: World, target: Target, mode: Mode, o: Options, durationS = o.durationS): Promise<Run> {
  const hits0 = await backendCounters(world, target.layer)
  const slb0 = await slbCounters(world, target)
  const cpu0 = sampleCpu(target.pid)
  const fromUs = monotonicUs()
  let load: HttpLoadResult
  let lost = 0
  let generatorCpuPercent: number | undefined
  if (mode === 'udp') {
    const r = await runUdpLoad(target, { ...o, durationS })
    load = {
      requests: r.replies,
      seconds: r.seconds,
      requestsPerSecond: r.repliesPerSecond,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      errors: 0,
      non2xx: 0,
    }
    lost = r.lost
    generatorCpuPercent = r.generatorCpuPercent
  } else if (mode === 'rate') {
    load = await runHey(
      {
        url: urlOf(target.endpoint),
        workers: HEY_WORKERS,
        perWorkerRate: o.rate / HEY_WORKERS,
        durationS,
        close: false,
      },
      world.dir,
    )
  } else {
    load = await runWrk({ url: urlOf(target.endpoint), ...WRK, durationS, close: mode === 'close' }, world.dir)
  }
  const toUs = monotonicUs()
  const cpu1 = sampleCpu(target.pid)
  const hits1 = await backendCounters(world, target.layer)
  const slb1 = await slbCounters(world, target)
  const seconds = (cpu1.at - cpu0.at) / 1000
  const sut = cpu1.sut - cpu0.sut
  // UDP: the generator's whole run (with its 0.5 s warm-up) is inside the CPU window.
  const served = mode === 'udp' ? hits1.hits.reduce((s, n, i) => s + n - hits0.hits[i]!, 0) : load.requests
  return {
    rps: load.requestsPerSecond,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    requests: load.requests,
    errors: load.errors,
    non2xx: load.non2xx,
    lost,
    sutCpuPercent: (sut / seconds) * 100,
    sutUsPerRequest: served > 0 ? (sut * 1e6) / served : Number.NaN,
    machineBusyPercent: ((cpu1.machine - cpu0.machine) / seconds) * 100,
    otherCpuPercent: Math.max(0, ((cpu1.machine - cpu0.machine - (cpu1.ours - cpu0.ours)) / seconds) * 100),
    generatorCpuPercent,
    backendHits: hits1.hits.map((n, i) => n - hits0.hits[i]!),
    backendFlows: hits1.flows,
    slbCounts: slb0 === undefined || slb1 === undefined ? undefined : slb1.map((n, i) => n - slb0[i]!),
    window: { fromUs, toUs },
  }
}

function describeRun(target: Target, mode: Mode, r: Run): string {
  return (
    `  ${mode.padEnd(5)} ${target.name.padEnd(16)} ${formatInt(r.rps).padStart(7)} /s  p50 ${formatMs(r.p50Ms)} ` +
    `p99 ${formatMs(r.p99Ms)} ms  err ${r.errors} non2xx ${r.non2xx}${r.lost > 0 ? ` lost ${r.lost}` : ''}  ` +
    `SUT ${r.sutCpuPercent.toFixed(0)}% ${r.sutUsPerRequest.toFixed(0)} µs/req  ` +
    `other ${r.otherCpuPercent.toFixed(0)}%  ` +
    `hits ${r.backendHits.join(':')}${r.backendFlows === undefined ? '' : ` flows ${r.backendFlows.join(':')}`}` +
    `${r.slbCounts === undefined ? '' : ` slb ${r.slbCounts.join(':')}`}`
  )
}

// ---- set-up -------------------------------------------------------------------------------------

/** One GET through a listener must come back 200 with a backend's body. */
async function probeHttp(ep: Endpoint): Promise<string | undefined> {
  try {
    const res = await fetch(urlOf(ep), { signal: AbortSignal.timeout(5_000) })
    const text = await res.text()
    if (res.status !== 200 || !/^backend=[12] /.test(text)) return `GET answered ${res.status}: ${text.slice(0, 200)}`
    return undefined
  } catch (err) {
    return `GET failed: ${err instanceof Error ? err.message : String(err)}`
  }
}

async function startWorld(
  o: Options,
  build: ServerBuild,
  dir: string,
  how: { readonly peers: boolean; readonly nodeArgs?: readonly string[] },
): Promise<World> {
  const backends = await startBackends(dir, HOSTS)
  const echoes = await Promise.all(HOSTS.map(startUdpEcho))
  const tcpMembers = backends.map((b, i) => ({ host: b.host, port: b.port, weight: WEIGHTS[i]! }))
  const udpMembers = echoes.map((e, i) => ({ host: e.host, port: e.port, weight: WEIGHTS[i]! }))
  const haproxy = how.peers ? await startHaproxy(join(dir, 'haproxy'), backends, WEIGHTS) : undefined
  const nginx = how.peers ? await startNginxProxy(join(dir, 'nginx-proxy'), backends, echoes, WEIGHTS) : undefined
  // 127.0.0.2–4 must lie in the instance pool for RunInstances to accept them as private IPs.
  const slb = await startOpenSlb(ROOT, build, {
    nodeArgs: how.nodeArgs ?? [],
    serveArgs: ['--instance-pool', '127.0.0.0/24'],
  })
  const wanted = (['tcp', 'udp', 'http'] as const).filter((p) => o.only.has(p))
  const setup = await configure(slb, HOSTS, tcpMembers, udpMembers, wanted, o.healthCheck)
  const unavailable = new Map<Protocol, string>(setup.failed)
  const http = setup.listeners.http
  if (http !== undefined) {
    const why = await probeHttp(http)
    if (why !== undefined) unavailable.set('http', why)
  }
  const tcp = setup.listeners.tcp
  if (tcp !== undefined) {
    const why = await probeHttp(tcp)
    if (why !== undefined) unavailable.set('tcp', why)
  }
  for (const [p, why] of unavailable) log(`OpenSLB ${p.toUpperCase()} listener unavailable: ${why}`)

  const slbPid = slb.server.child.pid!
  const haproxyPid = haproxy?.server.child.pid ?? 0
  const nginxPid = nginx?.server.child.pid ?? 0
  const targets: Target[] = []
  const add = (t: Target | undefined): void => {
    if (t !== undefined) targets.push(t)
  }
  if (o.only.has('http') || o.only.has('tcp')) {
    add({ name: 'direct', kind: 'direct', layer: 'http', endpoint: backends[0]!, pid: backends[0]!.server.child.pid! })
  }
  if (o.only.has('http')) {
    if (haproxy) add({ name: 'haproxy-http', kind: 'haproxy', layer: 'http', endpoint: haproxy.http, pid: haproxyPid })
    if (nginx) add({ name: 'nginx-http', kind: 'nginx', layer: 'http', endpoint: nginx.http, pid: nginxPid })
    if (http && !unavailable.has('http')) {
      add({ name: 'openslb-http', kind: 'openslb', layer: 'http', endpoint: http, pid: slbPid, listenerKey: http.key })
    }
  }
  if (o.only.has('tcp')) {
    if (haproxy) add({ name: 'haproxy-tcp', kind: 'haproxy', layer: 'tcp', endpoint: haproxy.tcp, pid: haproxyPid })
    if (nginx) add({ name: 'nginx-stream', kind: 'nginx', layer: 'tcp', endpoint: nginx.tcp, pid: nginxPid })
    if (tcp && !unavailable.has('tcp')) {
      add({ name: 'openslb-tcp', kind: 'openslb', layer: 'tcp', endpoint: tcp, pid: slbPid, listenerKey: tcp.key })
    }
  }
  if (o.only.has('udp')) {
    add({ name: 'direct-udp', kind: 'direct', layer: 'udp', endpoint: echoes[0]!, pid: echoes[0]!.child.pid! })
    if (nginx) add({ name: 'nginx-udp', kind: 'nginx', layer: 'udp', endpoint: nginx.udp, pid: nginxPid })
    const udp = setup.listeners.udp
    if (udp && !unavailable.has('udp')) {
      add({ name: 'openslb-udp', kind: 'openslb', layer: 'udp', endpoint: udp, pid: slbPid, listenerKey: udp.key })
    }
  }
  return { dir, backends, echoes, slb, setup, unavailable, targets }
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ')

/** Blank-line-separated paragraphs, or nothing when `when` is false. */
const section = (when: boolean, ...paragraphs: string[]): string[] => (when ? paragraphs.flatMap((p) => ['', p]) : [])

// ---- the benchmark ------------------------------------------------------------------------------

const MODES: readonly Mode[] = ['ka', 'close', 'rate']

/** What bench/all.ts takes from the main run. */
export interface DataplaneMain {
  readonly byMode: ReadonlyMap<Mode, readonly Row[]>
  readonly goals: readonly Goal[]
  /** Protocols whose OpenSLB listener was not measured, with why. */
  readonly unavailable: ReadonlyMap<Protocol, string>
  readonly rate: number
  readonly reps: number
}

async function benchmark(
  o: Options,
  build: ServerBuild,
  dir: string,
  gate: QuietGate,
  before: number,
  command: string,
): Promise<DataplaneMain> {
  const started = Date.now()
  const world = await startWorld(o, build, dir, { peers: true })
  const { targets } = world
  const httpTargets = targets.filter((t) => t.layer !== 'udp')
  const udpTargets = targets.filter((t) => t.layer === 'udp')
  log(`targets: ${targets.map((t) => t.name).join(', ')}`)

  // One short unrecorded pass: JIT, connection pools, the kernel's caches.
  log('warm-up')
  for (const t of httpTargets) await runWrk({ url: urlOf(t.endpoint), ...WRK, durationS: 1, close: false }, dir)
  for (const t of udpTargets) await runUdpLoad(t, { ...o, durationS: 1 })

  const runs: Runs = new Map()
  const perRep: string[] = []
  for (let rep = 1; rep <= o.reps; rep++) {
    log(`rep ${rep}/${o.reps}`)
    const repRps = new Map<string, number>()
    const plan: Array<[Mode, Target]> = [
      ...MODES.flatMap((mode) => httpTargets.map((t): [Mode, Target] => [mode, t])),
      ...udpTargets.map((t): [Mode, Target] => ['udp', t]),
    ]
    for (const [mode, t] of plan) {
      const durationS = mode === 'rate' ? o.rateDurationS : o.durationS
      let r = await runOnce(world, t, mode, o, durationS)
      log(describeRun(t, mode, r))
      // With --wait-quiet, a run another workload disturbed is done again once the machine is quiet.
      for (let again = 0; again < 2 && gate.redo(r.otherCpuPercent, NOISY_PERCENT); again++) {
        await gate.pause(PAUSE_MS)
        const t0 = performance.now()
        r = await runOnce(world, t, mode, o, durationS)
        gate.charge(performance.now() - t0)
        log(describeRun(t, mode, r) + '  (again)')
      }
      runs.set(runKey(mode, t.name), [...(runs.get(runKey(mode, t.name)) ?? []), r])
      repRps.set(runKey(mode, t.name), r.rps)
      // The pause between runs doubles as the probe of the rest of the machine.
      await gate.pause(PAUSE_MS)
    }
    const ratios: string[] = []
    for (const mode of ['ka', 'close', 'udp'] as const) {
      const direct = repRps.get(runKey(mode, mode === 'udp' ? 'direct-udp' : 'direct'))
      for (const t of targets) {
        const v = repRps.get(runKey(mode, t.name))
        if (t.kind === 'openslb' && v !== undefined && direct !== undefined) {
          ratios.push(`${t.name} ${mode} ${formatRatio(v / direct)}`)
        }
      }
    }
    perRep.push(`rep ${rep}: ${ratios.join(', ')}`)
  }

  const byMode = new Map<Mode, Row[]>([...MODES, 'udp' as const].map((m) => [m, rowsOf(targets, m, runs)]))
  const gs = goals(byMode)
  const allRuns = [...runs.values()].flat()
  const noisy = Math.max(0, ...allRuns.map((r) => r.otherCpuPercent))
  const slbKa = ['http', 'tcp'].map((l) => byMode.get('ka')?.find((r) => r.target.name === `openslb-${l}`))
  const saturatedBy = slbKa.filter((r) => r !== undefined && o.rate > r.rps.median * 0.5)
  const v = versions()
  const minutes = ((Date.now() - started) / 60_000).toFixed(1)

  const block = [
    `Measured ${machineLine(describeMachine())}; ${v.wrk}, ${v.hey}, ${v.haproxy}, ${v.nginx}.`,
    '',
    `Command: ${command} (${minutes} min) — OpenSLB from ${build.note}, health checks ` +
      `${o.healthCheck ? 'on (HTTP: HEAD /__hc every 2 s; TCP: connect; UDP: request/expect)' : 'off'}, ` +
      `${o.reps} interleaved repetitions; wrk -t${WRK.threads} -c${WRK.connections} -d${o.durationS}s ` +
      `(keep-alive, and \`-H 'Connection: close'\`); fixed rate: hey -z ${o.rateDurationS}s -c ${HEY_WORKERS} ` +
      `-q ${o.rate / HEY_WORKERS} (${formatInt(o.rate)} req/s offered, keep-alive); ` +
      `UDP: ${o.udpFlows} flows × 1 datagram in flight (Node client). ` +
      `Other processes' CPU before the run: ${before.toFixed(0)}% of a core` +
      (o.waitQuietS > 0
        ? `; up to ${o.waitQuietS} s of waiting for quiet allowed, ${(gate.spentMs / 1000).toFixed(0)} s used, ` +
          `${gate.redone} disturbed runs done again.`
        : '.'),
    ...section(httpTargets.length > 0, summaryTable(byMode, targets)),
    ...section(httpTargets.length > 0, goalsTable(gs)),
    ...[...world.unavailable].flatMap(([p, why]) => [
      '',
      `OpenSLB ${p.toUpperCase()} was not measured: ${oneLine(why)}`,
    ]),
    ...section(httpTargets.length > 0, 'Keep-alive (saturated, wrk):', detailTable(byMode.get('ka') ?? [], false)),
    ...section(
      httpTargets.length > 0,
      "New connection per request (saturated, wrk `-H 'Connection: close'`):",
      detailTable(byMode.get('close') ?? [], false),
    ),
    ...section(
      httpTargets.length > 0,
      `Fixed rate, ${formatInt(o.rate)} req/s offered over keep-alive (hey):`,
      rateTable(byMode.get('rate') ?? []),
    ),
    ...section(
      udpTargets.length > 0,
      'UDP echo (64-byte datagrams, closed loop, Node client):',
      detailTable(byMode.get('udp') ?? [], true),
    ),
    '',
    `Per-repetition OpenSLB ratios vs direct: ${perRep.join('; ')}.`,
    ...(saturatedBy.length > 0
      ? [
          '',
          `The offered rate is above half of ${saturatedBy.map((r) => r!.target.name).join(' and ')}'s keep-alive ` +
            'capacity in this run, so its fixed-rate p99 includes queueing (pass a lower `--rate`).',
        ]
      : []),
    ...(noisy > NOISY_PERCENT
      ? [
          '',
          `Processes other than the benchmark's used up to ${noisy.toFixed(0)}% of a core during some runs: ` +
            'this run is noisy (compare the per-repetition ratios, and rerun on a quiet machine).',
        ]
      : []),
  ].join('\n')
  process.stdout.write('\n' + block + '\n')
  if (o.write) {
    writeMarkedBlock(DOCS, MARKER, block, '## Data plane')
    log(`\nwritten to ${relative(ROOT, DOCS)}`)
  }
  await stopOpenSlb(world.slb)
  return { byMode, goals: gs, unavailable: world.unavailable, rate: o.rate, reps: o.reps }
}

/** Load on one target while a series of changes is made, one after another. */
export interface ChangeRun {
  readonly target: string
  readonly wanted: number
  readonly done: number
  readonly failures: number
  readonly firstFailure: string
  /** Of one change, ms. */
  readonly p50Ms: number
  readonly p99Ms: number
  /** wrk keep-alive during the changes. */
  readonly load: HttpLoadResult
  /** The same load just before, without changes. */
  readonly unchanged: HttpLoadResult
  /** Backend hits s1..s3 during the changes. */
  readonly hits: readonly number[]
}

/** What bench/all.ts takes from `--reconfig`: OpenSLB (undefined without a listener) and nginx reloads. */
export interface ReconfigResult {
  readonly openslb: ChangeRun | undefined
  readonly nginx: ChangeRun | undefined
}

/** Change i: s1/s2 weights 50/100 when i is even, back to 100/50 when odd; s3 stays 0. */
const swapped = (i: number): number[] => (i % 2 === 0 ? [50, 100, 0] : [...WEIGHTS])

/**
 * The same wrk load as the main runs on `endpoint`, first for `--duration` without changes, then
 * while `change(0…wanted-1)` run one after another, stopped one second after the last; the weights
 * are left as they were.
 */
async function underChanges(
  world: World,
  name: string,
  endpoint: Endpoint,
  wanted: number,
  change: (i: number) => Promise<void>,
  o: Options,
): Promise<ChangeRun> {
  const url = urlOf(endpoint)
  const unchanged = await runWrk({ url, ...WRK, durationS: o.durationS, close: false }, world.dir)
  await sleep(PAUSE_MS)
  // Long enough for changes of about 50 ms each; stopped as soon as they are done.
  const durationS = Math.min(300, Math.max(20, Math.ceil(wanted / 20)))
  log(`reconfiguration: ${wanted} changes under wrk load on ${name} (at most ${durationS} s)`)
  const hits0 = await backendCounters(world, 'http')
  const stop = new AbortController()
  const load = runWrk({ url, ...WRK, durationS, close: false, signal: stop.signal }, world.dir)
  let loadDone = false
  void load.then(
    () => (loadDone = true),
    () => (loadDone = true),
  )
  await sleep(1_000)
  const latencies: number[] = []
  let failures = 0
  let firstFailure = ''
  for (let i = 0; i < wanted && !loadDone; i++) {
    const t0 = performance.now()
    try {
      await change(i)
    } catch (err) {
      failures += 1
      firstFailure ||= err instanceof Error ? err.message : String(err)
    }
    latencies.push(performance.now() - t0)
  }
  const done = latencies.length
  // One more second of load after the last change, then wrk prints its summary.
  await sleep(1_000)
  stop.abort()
  const r = await load
  const hits = (await backendCounters(world, 'http')).hits.map((n, i) => n - hits0.hits[i]!)
  // Leave the weights as the main runs had them.
  if (done % 2 === 1) await change(done)
  const sorted = [...latencies].sort((a, b) => a - b)
  const pct = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
  return {
    target: name,
    wanted,
    done,
    failures,
    firstFailure,
    p50Ms: pct(50),
    p99Ms: pct(99),
    load: r,
    unchanged,
    hits,
  }
}

/** The wrk side of a change run, and the backends' split. */
const loadText = (c: ChangeRun): string =>
  `wrk ${formatInt(c.load.requests)} requests at ${formatInt(c.load.requestsPerSecond)}/s, ` +
  `${c.load.errors} socket errors, ${c.load.non2xx} non-2xx (the same load without changes: ` +
  `${formatInt(c.unchanged.requestsPerSecond)}/s, ${c.unchanged.errors} socket errors); ` +
  `backend hits s1:s2:s3 = ${c.hits.join(':')} (s3 must be 0).` +
  (c.done < c.wanted ? ` The load ended before all ${c.wanted} changes were made.` : '')

/** The changes' own side: latency of one change, and failures. */
const latencyText = (what: string, c: ChangeRun): string =>
  `${what} p50 ${formatMs(c.p50Ms)} ms, p99 ${formatMs(c.p99Ms)} ms, ${c.failures} failed` +
  (c.firstFailure ? ` (first: ${oneLine(c.firstFailure).slice(0, 200)})` : '')

/**
 * `--reconfig`: OpenSLB under N signed weight changes (s1/s2 swapping 100/50, s3 staying 0) while wrk
 * loads its HTTP listener (TCP when HTTP is unavailable); then nginx, the peer, reloaded with the same
 * swaps while wrk loads it. Nothing may fail, s3 must get nothing. Its own block of the docs.
 */
async function reconfigMode(
  o: Options,
  build: ServerBuild,
  dir: string,
  before: number,
  command: string,
): Promise<ReconfigResult> {
  const world = await startWorld({ ...o, only: new Set(['http', 'tcp']) }, build, dir, { peers: false })
  const nginx =
    o.nginxReloads > 0
      ? await startNginxProxy(join(dir, 'nginx-proxy'), world.backends, world.echoes, WEIGHTS)
      : undefined
  const warm = world.targets.filter((x) => x.kind === 'openslb').map((t) => t.endpoint)
  if (nginx !== undefined) warm.push(nginx.http)
  for (const ep of warm) await runWrk({ url: urlOf(ep), ...WRK, durationS: 1, close: false }, dir)

  const target =
    world.targets.find((t) => t.name === 'openslb-http') ?? world.targets.find((t) => t.name === 'openslb-tcp')
  const setSwapped = (i: number): Promise<void> =>
    setWeights(
      world.slb,
      world.setup,
      world.backends.map((b, k) => ({ host: b.host, port: b.port, weight: swapped(i)[k]! })),
    )
  const openslb =
    target === undefined
      ? undefined
      : await underChanges(world, target.name, target.endpoint, o.reconfig, setSwapped, o)
  await stopOpenSlb(world.slb)
  await sleep(PAUSE_MS)
  const peer =
    nginx === undefined
      ? undefined
      : await underChanges(world, 'nginx-http', nginx.http, o.nginxReloads, (i) => nginx.reload(swapped(i)), o)

  const paragraphs = [
    openslb === undefined
      ? 'Reconfiguration under load: OpenSLB not run (no OpenSLB HTTP or TCP listener).'
      : `Reconfiguration under load: ${openslb.done} of ${openslb.wanted} signed SetVServerGroupAttribute calls ` +
        `(s1/s2 weights swapping 100/50 ↔ 50/100, s3 at 0) during wrk keep-alive load on ${openslb.target} ` +
        `(${openslb.load.seconds.toFixed(1)} s): ${latencyText('call', openslb)}; ${loadText(openslb)}`,
    ...(peer === undefined
      ? []
      : [
          `The peer, nginx: ${peer.done} of ${peer.wanted} reloads (nginx.conf rewritten with the same swaps, SIGHUP ` +
            `to the master, the next one once the new workers run) during the same wrk load on ${peer.target} ` +
            `(${peer.load.seconds.toFixed(1)} s): ${latencyText('reload', peer)}; ${loadText(peer)}`,
        ]),
  ]
  const block = [
    `Measured ${machineLine(describeMachine())}; ${versions().wrk}${peer ? `, ${versions().nginx}` : ''}.`,
    '',
    `Command: ${command} — OpenSLB from ${build.note}, health checks ${o.healthCheck ? 'on' : 'off'}; ` +
      `other processes' CPU before the run: ${before.toFixed(0)}% of a core.`,
    ...paragraphs.flatMap((p) => ['', p]),
  ].join('\n')
  process.stdout.write('\n' + block + '\n')
  if (o.write) {
    writeMarkedBlock(DOCS, `${MARKER}-reconfig`, block, '### Reconfiguration under load')
    log(`\nwritten to ${relative(ROOT, DOCS)}`)
  }
  return { openslb, nginx: peer }
}

/**
 * `--profile`: for each OpenSLB listener and mode, a fresh server under `node --cpu-prof` takes one
 * wrk, hey or UDP run; prints the summaries of the busiest profile.
 */
async function profile(o: Options, build: ServerBuild, dir: string, gate: QuietGate): Promise<void> {
  const outDir = join(dir, 'profiles')
  const report: string[] = []
  const plan: Array<[Protocol, Mode]> = []
  for (const p of ['tcp', 'http'] as const) if (o.only.has(p)) plan.push([p, 'ka'], [p, 'close'], [p, 'rate'])
  if (o.only.has('udp')) plan.push(['udp', 'udp'])
  for (const [protocol, mode] of plan) {
    const profDir = join(outDir, `${protocol}-${mode}`)
    mkdirSync(profDir, { recursive: true })
    const worldDir = mkdtempSync(join(dir, 'world-'))
    const world = await startWorld({ ...o, only: new Set([protocol]) }, build, worldDir, {
      peers: false,
      nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir],
    })
    const target = world.targets.find((t) => t.kind === 'openslb')
    if (target === undefined) {
      report.push(`### ${protocol} ${mode}: not profiled (${world.unavailable.get(protocol) ?? 'no listener'})`)
      await stopOpenSlb(world.slb)
      continue
    }
    await gate.pause(PAUSE_MS)
    const r = await runOnce(world, target, mode, o, mode === 'rate' ? o.rateDurationS : o.durationS)
    log(describeRun(target, mode, r))
    await stopOpenSlb(world.slb)
    for (const b of world.backends) await stopChild(b.server.child)
    for (const e of world.echoes) await stopChild(e.child)
    const file = busiestProfile(profDir)
    if (file === undefined) throw new Error(`no .cpuprofile written in ${profDir}`)
    // Cut to the load's window where cpu-profile.ts supports it (its `window` option); start-up and
    // set-up are in the profile otherwise.
    const summaryOptions = { requests: r.requests, top: 20, window: r.window }
    const summary = summarizeProfile(file, ROOT, summaryOptions)
    report.push(
      `### OpenSLB ${protocol.toUpperCase()} ${mode}: ${formatInt(r.rps)}/s, SUT ${r.sutCpuPercent.toFixed(0)}% ` +
        `(${r.sutUsPerRequest.toFixed(0)} µs per request)\n\n${summary.text}`,
    )
  }
  const text = report.join('\n\n')
  const file = join(tmpdir(), `openslb-dataplane-profile-${Date.now()}.md`)
  writeFileSync(file, text + '\n')
  process.stdout.write('\n' + text + '\n')
  log(`\nprofile summaries also in ${file}`)
}

// ---- main ---------------------------------------------------------------------------------------

/** What a run returns; one of `main` and `reconfig` unless skipped or profiling. */
export interface DataplaneResult {
  /** Why nothing was measured (programs missing and not root). */
  readonly skipped?: string
  readonly main?: DataplaneMain
  readonly reconfig?: ReconfigResult
  /** Seconds of `--wait-quiet` used. */
  readonly waitedS: number
}

/**
 * Runs the benchmark with these command-line options (the main run, `--reconfig` or `--profile`), within
 * its time budget; every process it started is stopped when it returns. `partOf`: the command of the
 * longer run this is a part of, for the recorded block.
 */
export async function dataplane(argv: readonly string[], partOf?: string): Promise<DataplaneResult> {
  const o = parseOptions(argv)
  const why = installMissing(log)
  if (why !== undefined) {
    log(`dataplane benchmark skipped: ${why}`)
    return { skipped: why, waitedS: 0 }
  }
  const build = chooseServerBuild(ROOT, o.server)
  // Bounded: 3 modes × 7 targets + 3 UDP per repetition, each run plus its pause and set-up slack.
  const perRep = 21 * (o.durationS + 2.5) + 3 * (o.durationS + 3.5)
  // Reconfiguration: two unchanged loads and two change runs of at most 300 s each.
  const budgetS =
    (o.profile ? 7 * (o.durationS + 20) : o.reconfig > 0 ? 630 + 2 * o.durationS : o.reps * perRep + 30) +
    180 +
    o.waitQuietS
  const command = commandText(SCRIPT, argv, partOf)
  const run = async (): Promise<DataplaneResult> => {
    const gate = new QuietGate(o.waitQuietS, QUIET_PERCENT, log)
    const before = await gate.pause(2_000)
    log(`other processes' CPU before the run: ${before.toFixed(0)}% of a core`)
    // OPENSLB_BENCH_KEEP=1 keeps the configs and logs for a post-mortem.
    const dir = makeTempDir('openslb-dataplane-', { keepable: true })
    log(`work dir ${dir} (configs, logs, pid files)`)
    const waited = (): number => gate.spentMs / 1000
    if (o.profile) {
      await profile(o, build, dir, gate)
      return { waitedS: waited() }
    }
    if (o.reconfig > 0) return { reconfig: await reconfigMode(o, build, dir, before, command), waitedS: waited() }
    return { main: await benchmark(o, build, dir, gate, before, command), waitedS: waited() }
  }
  return withinBudget(budgetS, log, run, removeTempDirs)
}

if (isMain(import.meta.url)) runBenchmark('dataplane', () => dataplane(process.argv.slice(2)), stopEverythingNow, log)
