/**
 * The one table of bench/all.ts: every issue-6 goal from the results of its parts, measured in the same
 * run, each with the measured figure, a peer or baseline for comparison, the goal and whether it is met.
 */
import type { ApiThroughputResult } from '../api-throughput.js'
import type { BackendServersResult } from '../backend-servers.js'
import type { ChangeRun, DataplaneMain, ReconfigResult } from '../dataplane.js'
import { split, totals, type Mode, type Row, type Run } from './dataplane-report.js'
import { formatInt, formatMs, formatRatio } from './stats.js'

/**
 * Issue 6: signed mutations/s through a real client; each backend's share of the traffic against its
 * weight (100/50/0 → 2/3, 1/3, 0), off by at most this many percentage points (or one unit, for a
 * count as small as UDP's flows), and nothing at all to s3.
 */
const GOALS = { mutationsPerSecond: 2_000, sharePoints: 2 } as const
const WEIGHT_SHARES = [2 / 3, 1 / 3, 0] as const

function matchesWeights(counts: readonly number[]): boolean {
  const total = counts.reduce((s, n) => s + n, 0)
  const slack = Math.max(1, (total * GOALS.sharePoints) / 100)
  return counts[2] === 0 && counts.every((n, i) => Math.abs(n - total * WEIGHT_SHARES[i]!) <= slack)
}

/** A part's result, or why it has none (failed, skipped, or left out with --parts). */
export type Part<T> = T | { readonly notMeasured: string }

export interface Parts {
  readonly api: Part<ApiThroughputResult>
  readonly backends: Part<BackendServersResult>
  readonly dataplane: Part<DataplaneMain>
  readonly reconfig: Part<ReconfigResult>
}

interface SummaryRow {
  readonly what: string
  readonly measured: string
  readonly comparison: string
  readonly goal: string
  /** undefined: not measured; 'none': no goal set, shown for context. */
  readonly met: boolean | undefined | 'none'
}

const ratio = (n: number): string => `${formatRatio(n)}×`
const latency = (p50Ms: number, p99Ms: number): string => `p50 ${formatMs(p50Ms)} / p99 ${formatMs(p99Ms)} ms`

/** The peers of OpenSLB's target on a layer, by target name, with their display names. */
const PEERS: Readonly<Record<'http' | 'tcp' | 'udp', ReadonlyArray<readonly [string, string]>>> = {
  http: [
    ['haproxy-http', 'HAProxy'],
    ['nginx-http', 'nginx'],
  ],
  tcp: [
    ['haproxy-tcp', 'HAProxy'],
    ['nginx-stream', 'nginx'],
  ],
  udp: [['nginx-udp', 'nginx']],
}

const MODE_TEXT: Readonly<Record<Mode, string>> = {
  ka: 'keep-alive',
  close: 'new connection per request',
  rate: 'fixed rate',
  udp: 'UDP echo',
}

function dataplaneRows(d: DataplaneMain): SummaryRow[] {
  const find = (mode: Mode, name: string): Row | undefined => d.byMode.get(mode)?.find((r) => r.target.name === name)
  const rows: SummaryRow[] = []
  for (const g of d.goals) {
    const ours = find(g.mode, `openslb-${g.layer}`)
    const layer = g.layer.toUpperCase()
    if (g.mode === 'rate') {
      const hap = find('rate', `haproxy-${g.layer}`)
      const nginx = find('rate', PEERS[g.layer][1]![0])
      rows.push({
        what: `${layer} p99 at ${formatInt(d.rate)} req/s offered (hey, keep-alive) × HAProxy's`,
        measured:
          ours && hap ? `${ratio(g.measured)} (${formatMs(ours.p99Ms)} vs ${formatMs(hap.p99Ms)} ms)` : 'not measured',
        comparison: nginx && hap ? `nginx ${ratio(nginx.p99Ms / hap.p99Ms)}` : '',
        goal: g.goal,
        met: g.met,
      })
      continue
    }
    const direct = find(g.mode, 'direct')
    rows.push({
      what: `${layer} ${MODE_TEXT[g.mode]} × direct (wrk -c64, req/s)`,
      measured:
        ours && direct
          ? `${ratio(g.measured)} (${formatInt(ours.rps.median)} / ${formatInt(direct.rps.median)})`
          : 'not measured',
      comparison: PEERS[g.layer]
        .map(([name, label]) => `${label} ${ratio(find(g.mode, name)?.ratio ?? Number.NaN)}`)
        .join(', '),
      goal: g.goal,
      met: g.met,
    })
  }
  const udp = find('udp', 'openslb-udp')
  const udpDirect = find('udp', 'direct-udp')
  rows.push({
    what: 'UDP × direct (64-byte echo, 1 datagram in flight per flow, replies/s)',
    measured:
      udp && udpDirect
        ? `${ratio(udp.ratio)} (${formatInt(udp.rps.median)} / ${formatInt(udpDirect.rps.median)})`
        : 'not measured',
    comparison: `nginx ${ratio(find('udp', 'nginx-udp')?.ratio ?? Number.NaN)}`,
    goal: 'none set',
    met: udp ? 'none' : undefined,
  })
  /** What the backends received, in the unit the target balances, summed over the repetitions. */
  const distribution = (mode: Mode, layer: 'http' | 'tcp' | 'udp', label: string, unit: string): SummaryRow => {
    const of = (name: string, counts: (r: Run) => readonly number[] | undefined) => find(mode, name)?.runs.map(counts)
    const ours = of(`openslb-${layer}`, (r) => (layer === 'udp' ? r.backendFlows : r.backendHits))
    const got = ours && totals(ours)
    // nginx's UDP sessions end after one reply (proxy_responses 1): it balances datagrams, not flows.
    const peerUnit = layer === 'udp' ? ' of datagrams' : ''
    return {
      what: `Distribution, ${label}: share s1:s2:s3 % of the ${unit} at the backends`,
      measured: ours && got ? `${split(ours)} (${got.join(':')})` : 'not measured',
      comparison: PEERS[layer]
        .map(([name, label]) => `${label} ${split(of(name, (r) => r.backendHits) ?? [])}${peerUnit}`)
        .join(', '),
      goal: `weights 100/50/0: 66.7:33.3:0.0 ± ${GOALS.sharePoints}, s3 nothing`,
      met: got === undefined ? undefined : matchesWeights(got),
    }
  }
  rows.push(
    distribution('ka', 'http', 'HTTP keep-alive', 'requests'),
    // One request per connection: what the backends count is the connections OpenSLB balanced.
    distribution('close', 'tcp', 'TCP new connection per request', 'connections'),
    distribution('udp', 'udp', 'UDP', 'flows'),
  )
  return rows
}

function reconfigRows(r: ReconfigResult): SummaryRow[] {
  const ours = r.openslb
  if (ours === undefined) {
    const why = 'not measured (no OpenSLB listener)'
    return [{ what: 'Reconfiguration under load', measured: why, comparison: '', goal: '0', met: undefined }]
  }
  const peer = r.nginx
  const over = (c: ChangeRun): string => `over ${formatInt(c.done)} reloads`
  const during = `during ${formatInt(ours.wanted)} signed weight changes under wrk keep-alive on ${ours.target}`
  return [
    {
      what: `Reconfiguration: failed requests (non-2xx) ${during}`,
      measured: `${formatInt(ours.load.non2xx)} of ${formatInt(ours.load.requests)}`,
      comparison: peer ? `nginx reload: ${formatInt(peer.load.non2xx)} ${over(peer)}` : '',
      goal: '0',
      met: ours.load.non2xx === 0 && ours.done === ours.wanted,
    },
    {
      what: `Reconfiguration: connection errors (wrk socket errors) ${during}`,
      measured: formatInt(ours.load.errors),
      comparison: peer ? `nginx reload: ${formatInt(peer.load.errors)} ${over(peer)}` : '',
      goal: '0',
      met: ours.load.errors === 0 && ours.done === ours.wanted,
    },
    {
      what: 'Reconfiguration: the changes themselves (SetVServerGroupAttribute, one after another)',
      measured: `${formatInt(ours.failures)} of ${formatInt(ours.done)} failed; ${latency(ours.p50Ms, ours.p99Ms)}`,
      comparison: peer ? `nginx reload ${latency(peer.p50Ms, peer.p99Ms)}` : '',
      goal: `all ${formatInt(ours.wanted)} made, 0 failed`,
      met: ours.failures === 0 && ours.done === ours.wanted,
    },
  ]
}

function apiRows(a: ApiThroughputResult): SummaryRow[] {
  const m = a.mutation
  const byRatio = (what: string, row: typeof m): SummaryRow => ({
    what,
    measured:
      `${ratio(row.ratio ?? Number.NaN)} ` +
      `(${formatInt(row.rps.median)} / ${formatInt(a.bare.rps.median)} req/s)`,
    comparison: `server CPU per request ${ratio(row.cpuRatio ?? Number.NaN)} the bare server's`,
    goal: `≥ ${formatRatio(row.goal ?? Number.NaN)}×`,
    met: row.ratio === undefined || row.goal === undefined ? undefined : row.ratio >= row.goal,
  })
  return [
    {
      what:
        `Signed mutations/s: ${a.mutationAction} (one tag overwritten per call), V1-signed by the project's ` +
        `signer in a separate Node client process, ${a.connections} keep-alive connections, closed loop`,
      measured: `${formatInt(m.rps.median)}/s, ${latency(m.p50Ms, m.p99Ms)}`,
      comparison: `${a.readAction} ${formatInt(a.read.rps.median)}/s`,
      goal: `≥ ${formatInt(GOALS.mutationsPerSecond)}/s`,
      met: a.mutationIsStandIn ? undefined : m.rps.median >= GOALS.mutationsPerSecond,
    },
    byRatio(`API read (${a.readAction}) req/s × bare node:http`, a.read),
    byRatio(`API mutation (${a.mutationAction}) req/s × bare node:http`, m),
  ]
}

function backendRows(b: BackendServersResult): SummaryRow[] {
  const rate = b.loops.map((l) => ({
    what: `Signed mutations/s: ${l.name}, store of ${formatInt(b.large)} memberships, ${b.connections} connections`,
    measured: `${formatInt(l.rpsLarge)} calls/s, ${latency(l.p50MsLarge, l.p99MsLarge)}`,
    comparison: `${formatInt(l.rpsSmall)} calls/s at ${formatInt(b.small)}`,
    goal: `≥ ${formatInt(b.goals.callsPerSecond)}/s`,
    met: l.rpsLarge >= b.goals.callsPerSecond,
  }))
  const scaling = b.loops.map((l) => ({
    what: `Backend-server scaling, ${l.name}: cost at ${formatInt(b.large)} ÷ at ${formatInt(b.small)} memberships`,
    measured: `${ratio(l.cost)} (${formatInt(l.rpsSmall)} → ${formatInt(l.rpsLarge)} calls/s)`,
    comparison: `server CPU per call ${ratio(l.usLarge / l.usSmall)}`,
    goal: `≤ ${formatRatio(b.goals.costRatio)}×`,
    met: l.cost <= b.goals.costRatio,
  }))
  return [...rate, ...scaling]
}

function rowsOf<T extends object>(part: Part<T>, name: string, rows: (t: T) => SummaryRow[]): SummaryRow[] {
  if ('notMeasured' in part) {
    return [{ what: name, measured: `not measured: ${part.notMeasured}`, comparison: '', goal: '', met: undefined }]
  }
  return rows(part)
}

export interface Summary {
  readonly table: string
  /** Goals judged (measured, with a goal) and met. */
  readonly judged: number
  readonly met: number
  readonly notMeasured: number
}

export function summarize(parts: Parts): Summary {
  const rows = [
    ...rowsOf(parts.dataplane, 'Data plane', dataplaneRows),
    ...rowsOf(parts.reconfig, 'Reconfiguration under load', reconfigRows),
    ...rowsOf(parts.api, 'Control plane: API throughput', apiRows),
    ...rowsOf(parts.backends, 'Control plane: backend servers', backendRows),
  ]
  const head = ['what', 'measured', 'for comparison (same run)', 'goal', 'met?']
  const lines = [`| ${head.join(' | ')} |`, '|---|---:|---:|---:|---:|']
  for (const r of rows) {
    const met = r.met === 'none' ? '–' : r.met === undefined ? 'not measured' : r.met ? 'yes' : '**no**'
    lines.push(`| ${[r.what, r.measured, r.comparison, r.goal, met].join(' | ')} |`)
  }
  const judged = rows.filter((r) => typeof r.met === 'boolean')
  return {
    table: lines.join('\n'),
    judged: judged.length,
    met: judged.filter((r) => r.met === true).length,
    notMeasured: rows.filter((r) => r.met === undefined).length,
  }
}
