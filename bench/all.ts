/**
 * Every benchmark in one run (issue 6): the data plane, the reconfiguration pass, API throughput and
 * backend-server scaling, one after another; prints one table of every goal, met or not, and records it
 * (each part also records its own section) in docs/benchmarks.md.
 *
 *   node --import tsx bench/all.ts [--quick] [--reps N] [--wait-quiet S] [--server dist|tsx] [--no-write]
 *     [--parts dataplane,reconfig,api,backends]
 */
import { execFileSync } from 'node:child_process'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { apiThroughput } from './api-throughput.js'
import { backendServers } from './backend-servers.js'
import { dataplane, type DataplaneResult } from './dataplane.js'
import { chooseServerBuild, stopEverythingNow } from './lib/openslb-server.js'
import { versions } from './lib/peers.js'
import { runBenchmark } from './lib/processes.js'
import { QuietGate } from './lib/quiet.js'
import { describeMachine, machineLine, writeMarkedBlock } from './lib/report.js'
import { summarize, type Part, type Parts } from './lib/summary.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')
const DOCS = join(ROOT, 'docs', 'benchmarks.md')
const MARKER = 'all'
const PARTS = ['dataplane', 'reconfig', 'api', 'backends'] as const
type PartName = (typeof PARTS)[number]
/** Other processes' CPU (% of one core) under which the machine counts as quiet (as the data plane's). */
const QUIET_PERCENT = 15

const log = (line: string): void => {
  process.stderr.write(line + '\n')
}

interface Options {
  readonly quick: boolean
  readonly reps: number | undefined
  readonly waitQuietS: number
  readonly server: 'dist' | 'tsx'
  readonly write: boolean
  readonly parts: ReadonlySet<PartName>
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      'wait-quiet': { type: 'string', default: '0' },
      server: { type: 'string', default: 'dist' },
      'no-write': { type: 'boolean', default: false },
      parts: { type: 'string', default: PARTS.join(',') },
    },
  })
  const reps = values.reps === undefined ? undefined : Number(values.reps)
  if (reps !== undefined && !(Number.isInteger(reps) && reps >= 1 && reps <= 20)) throw new Error('--reps: 1 to 20')
  const waitQuietS = Number(values['wait-quiet'])
  if (!(waitQuietS >= 0 && waitQuietS <= 3600)) throw new Error('--wait-quiet: 0 to 3600 seconds')
  if (values.server !== 'dist' && values.server !== 'tsx') throw new Error('--server must be dist or tsx')
  const parts = new Set(values.parts.split(',').map((p) => p.trim()))
  for (const p of parts) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--parts takes ${PARTS}`)
  return {
    quick: values.quick,
    reps,
    waitQuietS,
    server: values.server,
    write: !values['no-write'],
    parts: parts as Set<PartName>,
  }
}

/** Each part's own command-line options for this run: --quick shortens every measured window. */
function partArgs(o: Options, part: PartName, waitQuietS: number): string[] {
  const common = ['--server', o.server, ...(o.write ? [] : ['--no-write'])]
  const reps = o.reps === undefined ? [] : ['--reps', String(o.reps)]
  switch (part) {
    case 'dataplane':
      return [...(o.quick ? ['--quick'] : []), ...reps, '--wait-quiet', String(waitQuietS), ...common]
    case 'reconfig':
      return ['--reconfig', ...(o.quick ? ['--quick'] : []), '--wait-quiet', String(waitQuietS), ...common]
    case 'api':
    case 'backends':
      return [...(o.quick ? ['--duration', '2', '--warmup', '0.5'] : []), ...reps, ...common]
  }
}

/** The commit measured, and whether the work tree differed from it. */
function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { cwd: ROOT, encoding: 'utf8' })
    return `commit ${head}${dirty.trim() === '' ? '' : ' with uncommitted changes in src/ or bench/'}`
  } catch {
    return 'no git revision'
  }
}

const minutes = (ms: number): string => (ms / 60_000).toFixed(1)

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const o = parseOptions(argv)
  const command = ['node', ...process.execArgv, relative(ROOT, process.argv[1]!), ...argv].join(' ')
  const started = Date.now()
  // Built once up front; a part rebuilds only if src/ changes while this runs (its section says so).
  const build = chooseServerBuild(ROOT, o.server)
  const gate = new QuietGate(o.waitQuietS, QUIET_PERCENT, log)
  const waitLeft = (): number => Math.max(0, Math.floor(o.waitQuietS - gate.spentMs / 1000))
  const took: string[] = []
  let failed = false

  /** Runs one part, or says why it was not; a failed part does not stop the others. */
  const part = async <T extends object>(
    name: PartName,
    run: (args: string[]) => Promise<T | { notMeasured: string }>,
  ): Promise<Part<T>> => {
    if (!o.parts.has(name)) return { notMeasured: 'left out (--parts)' }
    const t0 = Date.now()
    log(`\n==== ${name} ====`)
    try {
      return await run(partArgs(o, name, waitLeft()))
    } catch (err) {
      failed = true
      log(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
      return { notMeasured: `failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` }
    } finally {
      took.push(`${name} ${minutes(Date.now() - t0)}`)
    }
  }
  /** The data plane measures the rest of the machine itself; the control-plane parts wait here first. */
  const quietFirst = async (): Promise<void> => {
    const others = await gate.pause(2_000)
    log(`other processes' CPU before this part: ${others.toFixed(0)}% of a core`)
  }
  const dataplanePart = async <K extends 'main' | 'reconfig'>(
    args: string[],
    which: K,
  ): Promise<Part<NonNullable<DataplaneResult[K]>>> => {
    const r = await dataplane(args, command)
    gate.charge(r.waitedS * 1000)
    return r[which] ?? { notMeasured: r.skipped ?? 'no result' }
  }

  const parts: Parts = {
    dataplane: await part('dataplane', (args) => dataplanePart(args, 'main')),
    reconfig: await part('reconfig', (args) => dataplanePart(args, 'reconfig')),
    api: await part('api', async (args) => {
      await quietFirst()
      return (await apiThroughput(args, command)) ?? { notMeasured: 'no result' }
    }),
    backends: await part('backends', async (args) => {
      await quietFirst()
      return (await backendServers(args, command)) ?? { notMeasured: 'no result' }
    }),
  }

  const summary = summarize(parts)
  const v = versions()
  const block = [
    `Measured ${machineLine(describeMachine())}; ${v.wrk}, ${v.hey}, ${v.haproxy}, ${v.nginx}; ` +
      `OpenSLB ${revision()}, from ${build.note}.`,
    '',
    `Command: \`${command}\` — ${minutes(Date.now() - started)} min in all (${took.join(', ')} min); ` +
      `${o.quick ? '--quick: shortened runs; ' : ''}` +
      `${o.waitQuietS > 0 ? `up to ${o.waitQuietS} s of waiting for other processes to go quiet allowed, ` : ''}` +
      `${(gate.spentMs / 1000).toFixed(0)} s waited.`,
    '',
    summary.table,
    '',
    `${summary.met} of ${summary.judged} goals met` +
      (summary.notMeasured > 0 ? `; ${summary.notMeasured} rows not measured` : '') +
      '. Each part\'s own section below has the details of this same run (per-repetition figures, CPU, spread).',
  ].join('\n')
  process.stdout.write('\n' + block + '\n')
  const complete = summary.notMeasured === 0 && !failed
  if (o.write && complete) {
    writeMarkedBlock(DOCS, MARKER, block, '## Summary: every goal in one run')
    log(`\nwritten to ${relative(ROOT, DOCS)}`)
  } else if (o.write) {
    log('\nnot all parts measured: the summary is printed only, not recorded')
  }
  if (failed) process.exitCode = 1
}

runBenchmark('all', main, stopEverythingNow, log)
