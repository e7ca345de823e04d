/**
 * Renders benchmark results as a Markdown table with the machine they ran on, and writes such a block
 * into docs/benchmarks.md between a benchmark's own markers, leaving every other section alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, release, totalmem } from 'node:os'
import { formatInt, formatMs, formatRatio, type Spread } from './stats.js'

export interface Machine {
  readonly date: string
  readonly cpus: number
  readonly cpuModel: string
  readonly node: string
  readonly kernel: string
  readonly memoryGiB: number
}

export function describeMachine(now = new Date()): Machine {
  let cpuModel = 'unknown'
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'))
    if (line !== undefined) cpuModel = line.slice(line.indexOf(':') + 1).trim()
  } catch {
    // Not Linux: the model stays unknown.
  }
  return {
    date: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    cpus: availableParallelism(),
    cpuModel,
    node: process.version,
    kernel: release(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  }
}

/**
 * The command that produced a results block, as Markdown: `node … SCRIPT ARGV…`, or, for a part of a
 * longer run (bench/all.ts), that run's command and the equivalent command of the part.
 */
export function commandText(script: string, argv: readonly string[], partOf?: string): string {
  const own = ['node', ...process.execArgv, script, ...argv].join(' ')
  return partOf === undefined ? `\`${own}\`` : `\`${partOf}\` (this part alone: \`${own}\`)`
}

export const machineLine = (m: Machine): string =>
  `${m.date} · nproc ${m.cpus} · ${m.cpuModel} · ${m.memoryGiB} GiB · Linux ${m.kernel} · Node ${m.node}`

export interface TargetRow {
  readonly name: string
  readonly rps: Spread
  readonly p50Ms: number
  readonly p99Ms: number
  /** Median req/s over the bare server's median req/s; undefined for the bare server itself. */
  readonly ratio: number | undefined
  readonly goal: number | undefined
  /** The bare server's CPU µs per request over this target's: the ratio with the generator out of the way. */
  readonly cpuRatio: number | undefined
  readonly requests: number
  readonly errors: number
  readonly serverCpuPercent: number
  readonly serverUsPerRequest: number
  readonly generatorCpuPercent: number
  /** The most any repetition saw of other processes' CPU: a noisy neighbour shows here. */
  readonly otherCpuPercent: number
}

export function resultsTable(rows: readonly TargetRow[]): string {
  const head = [
    'target',
    'req/s (median)',
    'spread (min–max)',
    'p50 ms',
    'p99 ms',
    'ratio vs bare',
    'goal',
    'met?',
    'errors',
    'server CPU %',
    'server CPU µs/req',
    'CPU ratio vs bare',
    'generator CPU %',
    'other CPU % (max)',
  ]
  const lines = [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`]
  for (const r of rows) {
    const met = r.goal === undefined || r.ratio === undefined ? '' : r.ratio >= r.goal ? 'yes' : '**no**'
    lines.push(
      `| ${[
        r.name,
        formatInt(r.rps.median),
        `${formatInt(r.rps.min)}–${formatInt(r.rps.max)}`,
        formatMs(r.p50Ms),
        formatMs(r.p99Ms),
        r.ratio === undefined ? '1.00' : formatRatio(r.ratio),
        r.goal === undefined ? '' : `≥ ${r.goal.toFixed(1)}`,
        met,
        `${r.errors} / ${formatInt(r.requests)}`,
        r.serverCpuPercent.toFixed(0),
        r.serverUsPerRequest.toFixed(0),
        r.cpuRatio === undefined ? '1.00' : formatRatio(r.cpuRatio),
        r.generatorCpuPercent.toFixed(0),
        r.otherCpuPercent.toFixed(0),
      ].join(' | ')} |`,
    )
  }
  return lines.join('\n')
}

const begin = (id: string): string => `<!-- ${id}:begin -->`
const end = (id: string): string => `<!-- ${id}:end -->`

/**
 * Replaces the text between `<!-- id:begin -->` and `<!-- id:end -->` in `file`; when the markers are
 * missing, appends `fallbackHeading` and a marked block at the end.
 */
export function writeMarkedBlock(file: string, id: string, content: string, fallbackHeading: string): void {
  const block = `${begin(id)}\n${content.trim()}\n${end(id)}`
  const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const from = text.indexOf(begin(id))
  const to = text.indexOf(end(id))
  const next =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + end(id).length)
      : `${text.trimEnd()}${text === '' ? '' : '\n\n'}${fallbackHeading}\n\n${block}\n`
  writeFileSync(file, next)
}
