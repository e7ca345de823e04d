/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time, self time per
 * package or file, and inclusive time of the project's own functions. Also runnable on its own:
 * `node --import tsx bench/lib/cpu-profile.ts FILE.cpuprofile [TOP]`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  /** Microseconds on the monotonic clock, as `process.hrtime` reads it (Linux: CLOCK_MONOTONIC). */
  readonly startTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

const IDLE = '(idle)'
const META = new Set(['(root)', '(program)', '(garbage collector)', IDLE])

/** `dist/api/app.js`, `kysely/dist/esm/…`, `node:internal/http`, or '' for V8/native frames. */
function shortUrl(url: string, root: string): string {
  const plain = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url
  const modules = plain.lastIndexOf('/node_modules/')
  if (modules >= 0) return plain.slice(modules + '/node_modules/'.length)
  return plain.startsWith(root + '/') ? plain.slice(root.length + 1) : plain
}

/** The package (node_modules), node core area, or project file a frame belongs to. */
function area(url: string): string {
  if (url === '') return '(V8 / native)'
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/')
  const scoped = url.startsWith('@')
  const parts = url.split('/')
  if (url.startsWith('dist/') || url.startsWith('src/') || url.startsWith('bench/')) return url
  return parts.slice(0, scoped ? 2 : 1).join('/')
}

const isOwn = (url: string): boolean => url.startsWith('dist/') || url.startsWith('src/')

export interface ProfileSummary {
  readonly text: string
  readonly busyMs: number
}

export interface SummaryOptions {
  /** Rows per table. */
  readonly top?: number
  /** Requests the process served while profiled: adds a µs-per-request column. */
  readonly requests?: number
  /** Only samples taken in [fromUs, toUs) of the monotonic clock (`process.hrtime.bigint() / 1000n`). */
  readonly window?: { readonly fromUs: number; readonly toUs: number }
}

const busyOf = (profile: CpuProfile): number => {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === IDLE).map((n) => n.id))
  let busy = 0
  profile.samples.forEach((id, i) => {
    if (!idle.has(id)) busy += profile.timeDeltas[i + 1] ?? 0
  })
  return busy
}

/**
 * `--cpu-prof` writes one file per thread (tsx adds a loader thread): the path of the busiest one
 * in `dir`, or undefined when there is none.
 */
export function busiestProfile(dir: string): string | undefined {
  let best: { file: string; busy: number } | undefined
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const file = join(dir, name)
    const busy = busyOf(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile)
    if (best === undefined || busy > best.busy) best = { file, busy }
  }
  return best?.file
}

/** Reads a profile and renders the three tables as Markdown; `root` is stripped from file paths. */
export function summarizeProfile(file: string, root: string, options: SummaryOptions = {}): ProfileSummary {
  const top = options.top ?? 25
  const requests = options.requests
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map<number, ProfileNode>()
  const parent = new Map<number, number>()
  for (const node of profile.nodes) {
    byId.set(node.id, node)
    for (const child of node.children ?? []) parent.set(child, node.id)
  }
  const keyOf = new Map<number, { key: string; url: string; name: string }>()
  for (const node of profile.nodes) {
    const url = shortUrl(node.callFrame.url, root)
    const name = node.callFrame.functionName || '(anonymous)'
    const key = url === '' ? name : `${name} ${url}:${node.callFrame.lineNumber + 1}`
    keyOf.set(node.id, { key, url, name })
  }

  const self = new Map<string, number>()
  const total = new Map<string, number>()
  const areas = new Map<string, number>()
  let busy = 0
  let idle = 0
  let gc = 0
  const { samples, timeDeltas } = profile
  const window = options.window
  let at = profile.startTime
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i] ?? 0
    if (window !== undefined && (at < window.fromUs || at >= window.toUs)) continue
    // A sample stands for the interval up to the next one.
    const us = timeDeltas[i + 1] ?? timeDeltas[i] ?? 0
    const id = samples[i]!
    const info = keyOf.get(id)!
    if (info.name === IDLE) {
      idle += us
      continue
    }
    busy += us
    if (info.name === '(garbage collector)') gc += us
    self.set(info.key, (self.get(info.key) ?? 0) + us)
    const a = META.has(info.name) ? info.name : area(info.url)
    areas.set(a, (areas.get(a) ?? 0) + us)
    const seen = new Set<string>()
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const k = keyOf.get(n)!
      if (!isOwn(k.url) || seen.has(k.key)) continue
      seen.add(k.key)
      total.set(k.key, (total.get(k.key) ?? 0) + us)
    }
  }

  const pct = (us: number): string => ((us / busy) * 100).toFixed(1)
  const ms = (us: number): string => (us / 1000).toFixed(0)
  const perRequest = (us: number): string => (requests ? ` ${(us / requests).toFixed(1)} |` : '')
  const table = (title: string, head: string, rows: Map<string, number>, n: number): string[] => [
    `${title}`,
    '',
    `| ${head} | ms | % of busy |${requests ? ' µs/req |' : ''}`,
    `|---|---:|---:|${requests ? '---:|' : ''}`,
    ...[...rows.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `| \`${k}\` | ${ms(us)} | ${pct(us)} |${perRequest(us)}`),
    '',
  ]
  const lines = [
    `Profile ${file}: busy ${ms(busy)} ms, idle ${ms(idle)} ms, GC ${ms(gc)} ms (${pct(gc)}% of busy)` +
      (requests ? `; ${requests} requests served, ${(busy / requests).toFixed(1)} µs busy per request.` : '.'),
    '',
    ...table('Top functions by self time:', 'function', self, top),
    ...table('Self time by package / file:', 'package or file', areas, top),
    ...table('Inclusive time of OpenSLB functions:', 'function', total, top),
  ]
  return { text: lines.join('\n'), busyMs: busy / 1000 }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, top] = process.argv.slice(2)
  if (file === undefined) {
    process.stderr.write('usage: node --import tsx bench/lib/cpu-profile.ts FILE.cpuprofile [TOP]\n')
    process.exitCode = 2
  } else {
    const summary = summarizeProfile(file, process.cwd(), { top: top === undefined ? 25 : Number(top) })
    process.stdout.write(summary.text + '\n')
  }
}
