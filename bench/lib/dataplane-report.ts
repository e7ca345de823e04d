/**
 * The data-plane benchmark's results: runs grouped per mode and target (median, spread, ratio vs the
 * direct limit), rendered as Markdown tables, and the issue-6 goals judged from them.
 */
import type { Endpoint } from './peers.js'
import { formatInt, formatMs, formatRatio, median, spread, type Spread } from './stats.js'

/** The issue-6 goals: ratios of OpenSLB's median req/s to the direct limit's, and p99 against HAProxy's. */
export const GOALS = { tcpKeepAlive: 0.3, httpKeepAlive: 0.15, newConnection: 0.2, p99VsHaproxy: 3 } as const

export type Kind = 'direct' | 'haproxy' | 'nginx' | 'openslb'
export type Layer = 'http' | 'tcp' | 'udp'
export type Mode = 'ka' | 'close' | 'rate' | 'udp'

export interface Target {
  readonly name: string
  readonly kind: Kind
  /** What the target balances: HTTP requests, TCP connections, UDP flows ('http' for direct). */
  readonly layer: Layer
  readonly endpoint: Endpoint
  /** Root of the process tree whose CPU is the system under test's. */
  readonly pid: number
  /** The OpenSLB listener key, for its own counters. */
  readonly listenerKey?: string
}

export interface Run {
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly requests: number
  readonly errors: number
  readonly non2xx: number
  readonly lost: number
  readonly sutCpuPercent: number
  readonly sutUsPerRequest: number
  readonly machineBusyPercent: number
  readonly otherCpuPercent: number
  readonly generatorCpuPercent: number | undefined
  /** Per backend s1..s3: requests the nginx backends served (UDP: datagrams the echoes answered). */
  readonly backendHits: readonly number[]
  /** UDP: per backend, the flows (distinct senders) the echoes saw during the run. */
  readonly backendFlows: readonly number[] | undefined
  /** Per backend, from /_openslb/stats: requests (HTTP), connections (TCP) or flows (UDP). */
  readonly slbCounts: readonly number[] | undefined
  /** The load's window on the monotonic clock (µs), to cut a server's CPU profile to it. */
  readonly window: { readonly fromUs: number; readonly toUs: number }
}

export type Runs = Map<string, Run[]>
export const runKey = (mode: Mode, target: string): string => `${mode}/${target}`

export interface Row {
  readonly target: Target
  readonly mode: Mode
  readonly runs: readonly Run[]
  readonly rps: Spread
  readonly p50Ms: number
  readonly p99Ms: number
  /** Median req/s over the direct target's median (same mode, same run). */
  readonly ratio: number
}

export function rowsOf(targets: readonly Target[], mode: Mode, runs: Runs): Row[] {
  const direct = targets.find((t) => t.kind === 'direct' && (mode === 'udp') === (t.layer === 'udp'))
  const directRuns = direct === undefined ? [] : (runs.get(runKey(mode, direct.name)) ?? [])
  const directRps = median(directRuns.map((r) => r.rps))
  const rows: Row[] = []
  for (const target of targets) {
    const rs = runs.get(runKey(mode, target.name))
    if (rs === undefined || rs.length === 0) continue
    const rps = spread(rs.map((r) => r.rps))
    rows.push({
      target,
      mode,
      runs: rs,
      rps,
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      ratio: rps.median / directRps,
    })
  }
  return rows
}

/** Per backend, the counts summed over runs, or undefined when nothing was counted. */
export function totals(counts: ReadonlyArray<readonly number[] | undefined>): number[] | undefined {
  const sums = [0, 0, 0]
  let any = false
  for (const c of counts) {
    if (c === undefined) continue
    any = true
    c.forEach((n, i) => (sums[i]! += n))
  }
  return any && sums.some((n) => n > 0) ? sums : undefined
}

/** Each backend's share in % of summed counts, or undefined when nothing was counted. */
export function shares(counts: ReadonlyArray<readonly number[] | undefined>): number[] | undefined {
  const sums = totals(counts)
  const total = sums?.reduce((s, n) => s + n, 0) ?? 0
  return sums?.map((n) => (n / total) * 100)
}

/** `66.7:33.3:0.0` from summed counts. */
export function split(counts: ReadonlyArray<readonly number[] | undefined>): string {
  return shares(counts)?.map((p) => p.toFixed(1)).join(':') ?? '–'
}

const sum = (rs: readonly Run[], f: (r: Run) => number): number => rs.reduce((s, r) => s + f(r), 0)

export function detailTable(rows: readonly Row[], udp: boolean): string {
  const head = [
    'target',
    udp ? 'replies/s (median)' : 'req/s (median)',
    'spread (min–max)',
    'ratio vs direct',
    'p50 ms',
    'p99 ms',
    udp ? 'lost' : 'errors / non-2xx',
    'SUT CPU %',
    udp ? 'SUT µs/datagram' : 'SUT µs/req',
    'machine busy %',
    'other CPU % (max)',
    udp ? 'datagrams s1:s2:s3 %' : 'backend hits s1:s2:s3 %',
    'OpenSLB counters s1:s2:s3 %',
  ]
  const lines = [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`]
  for (const r of rows) {
    lines.push(
      `| ${[
        r.target.name,
        formatInt(r.rps.median),
        `${formatInt(r.rps.min)}–${formatInt(r.rps.max)}`,
        formatRatio(r.ratio),
        formatMs(r.p50Ms),
        formatMs(r.p99Ms),
        udp ? String(sum(r.runs, (x) => x.lost)) : `${sum(r.runs, (x) => x.errors)} / ${sum(r.runs, (x) => x.non2xx)}`,
        median(r.runs.map((x) => x.sutCpuPercent)).toFixed(0),
        median(r.runs.map((x) => x.sutUsPerRequest)).toFixed(0),
        median(r.runs.map((x) => x.machineBusyPercent)).toFixed(0),
        Math.max(...r.runs.map((x) => x.otherCpuPercent)).toFixed(0),
        split(r.runs.map((x) => x.backendHits)),
        split(r.runs.map((x) => x.slbCounts)),
      ].join(' | ')} |`,
    )
  }
  return lines.join('\n')
}

export function rateTable(rows: readonly Row[]): string {
  const haproxyP99 = (layer: Layer): number =>
    rows.find((r) => r.target.kind === 'haproxy' && r.target.layer === layer)?.p99Ms ?? Number.NaN
  const head = ['target', 'achieved req/s', 'p50 ms', 'p99 ms (median)', 'p99 min–max', 'p99 vs HAProxy (same layer)',
    'errors / non-2xx', 'SUT CPU %', 'SUT µs/req']
  const lines = [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`]
  for (const r of rows) {
    const p99s = r.runs.map((x) => x.p99Ms)
    const vs = r.target.kind === 'direct' ? '' : formatRatio(r.p99Ms / haproxyP99(r.target.layer))
    lines.push(
      `| ${[
        r.target.name,
        formatInt(r.rps.median),
        formatMs(r.p50Ms),
        formatMs(r.p99Ms),
        `${formatMs(Math.min(...p99s))}–${formatMs(Math.max(...p99s))}`,
        vs,
        `${sum(r.runs, (x) => x.errors)} / ${sum(r.runs, (x) => x.non2xx)}`,
        median(r.runs.map((x) => x.sutCpuPercent)).toFixed(0),
        median(r.runs.map((x) => x.sutUsPerRequest)).toFixed(0),
      ].join(' | ')} |`,
    )
  }
  return lines.join('\n')
}

/** The one table: per target, keep-alive and new-connection ratios vs direct, fixed-rate p99 vs HAProxy. */
export function summaryTable(byMode: ReadonlyMap<Mode, Row[]>, targets: readonly Target[]): string {
  const find = (mode: Mode, name: string): Row | undefined => byMode.get(mode)?.find((r) => r.target.name === name)
  const head = ['target', 'keep-alive req/s', '× direct', 'new conn/request req/s', '× direct',
    'fixed-rate p50 / p99 ms', 'p99 × HAProxy', 'split s1:s2:s3 % (keep-alive)']
  const lines = [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`]
  for (const t of targets) {
    if (t.layer === 'udp') continue
    const ka = find('ka', t.name)
    const close = find('close', t.name)
    const rate = find('rate', t.name)
    const hap = byMode.get('rate')?.find((r) => r.target.kind === 'haproxy' && r.target.layer === t.layer)
    const bold = (s: string): string => (t.kind === 'openslb' ? `**${s}**` : s)
    lines.push(
      `| ${[
        t.name,
        ka ? formatInt(ka.rps.median) : '–',
        ka ? bold(formatRatio(ka.ratio)) : '–',
        close ? formatInt(close.rps.median) : '–',
        close ? bold(formatRatio(close.ratio)) : '–',
        rate ? `${formatMs(rate.p50Ms)} / ${formatMs(rate.p99Ms)}` : '–',
        rate && hap && t.kind !== 'direct' ? bold(formatRatio(rate.p99Ms / hap.p99Ms)) : '',
        ka ? split(ka.runs.map((x) => x.slbCounts ?? x.backendHits)) : '–',
      ].join(' | ')} |`,
    )
  }
  return lines.join('\n')
}

export interface Goal {
  readonly name: string
  /** What it is judged on: OpenSLB's `layer` target in `mode` (`rate`: its p99 against HAProxy's). */
  readonly mode: Mode
  readonly layer: 'http' | 'tcp'
  readonly measured: number
  readonly goal: string
  readonly met: boolean | undefined
}

export function goals(byMode: ReadonlyMap<Mode, Row[]>): Goal[] {
  const row = (mode: Mode, name: string): Row | undefined => byMode.get(mode)?.find((r) => r.target.name === name)
  const atLeast = (name: string, mode: Mode, layer: 'http' | 'tcp', min: number): Goal => {
    const r = row(mode, `openslb-${layer}`)
    return {
      name,
      mode,
      layer,
      measured: r?.ratio ?? Number.NaN,
      goal: `≥ ${min.toFixed(2)}× direct`,
      met: r === undefined ? undefined : r.ratio >= min,
    }
  }
  const p99 = (name: string, layer: 'http' | 'tcp'): Goal => {
    const ours = row('rate', `openslb-${layer}`)
    const hap = row('rate', `haproxy-${layer}`)
    const ratio = ours && hap ? ours.p99Ms / hap.p99Ms : Number.NaN
    return {
      name,
      mode: 'rate',
      layer,
      measured: ratio,
      goal: `≤ ${GOALS.p99VsHaproxy}× HAProxy`,
      met: Number.isFinite(ratio) ? ratio <= GOALS.p99VsHaproxy : undefined,
    }
  }
  return [
    atLeast('TCP keep-alive', 'ka', 'tcp', GOALS.tcpKeepAlive),
    atLeast('HTTP keep-alive', 'ka', 'http', GOALS.httpKeepAlive),
    atLeast('HTTP, new connection per request', 'close', 'http', GOALS.newConnection),
    atLeast('TCP, new connection per request', 'close', 'tcp', GOALS.newConnection),
    p99('HTTP p99 at a fixed unsaturated rate', 'http'),
    p99('TCP p99 at a fixed unsaturated rate', 'tcp'),
  ]
}

export function goalsTable(gs: readonly Goal[]): string {
  const lines = ['| issue-6 goal | measured | goal | met? |', '|---|---:|---:|---:|']
  for (const g of gs) {
    const met = g.met === undefined ? 'not measured' : g.met ? 'yes' : '**no**'
    lines.push(`| ${g.name} | ${formatRatio(g.measured)}× | ${g.goal} | ${met} |`)
  }
  return lines.join('\n')
}

