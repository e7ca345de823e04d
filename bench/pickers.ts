/**
 * Data-plane micro-benchmark: picks per second of every scheduler at a few member counts, each as a
 * ratio to a bare array-index rotation measured in the same run, then the key hash next to node:crypto
 * SHA-1. Prints tables only; no sockets.
 *
 *   node --import tsx bench/pickers.ts [--ms 200] [--reps 5]
 */
import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { createPicker } from '../src/dataplane/balancer/index.js'
import type { PickContext, Picker, PickerBackend } from '../src/dataplane/balancer/picker.js'
import { Fnv1a64, mix64 } from '../src/dataplane/balancer/stable-hash.js'
import { SCHEDULER_NAMES, type SchedulerName } from '../src/domain/schedulers.js'

const { values } = parseArgs({
  options: { ms: { type: 'string', default: '200' }, reps: { type: 'string', default: '5' } },
})
const MS = Number(values.ms)
const REPS = Number(values.reps)
const MEMBER_COUNTS = [3, 20, 200]

/** Runs `op` in batches for about MS milliseconds, REPS times, and returns the median rate per second. */
function rate(op: (i: number) => unknown): number {
  const rates: number[] = []
  let sink = 0
  for (let i = 0; i < 20_000; i++) if (op(i) === undefined) sink++
  for (let rep = 0; rep < REPS; rep++) {
    let n = 0
    const start = process.hrtime.bigint()
    const stop = start + BigInt(MS) * 1_000_000n
    let now = start
    while (now < stop) {
      for (let i = 0; i < 1000; i++) if (op(n + i) === undefined) sink++
      n += 1000
      now = process.hrtime.bigint()
    }
    rates.push(n / (Number(now - start) / 1e9))
  }
  if (sink < 0) console.log(sink)
  rates.sort((a, b) => a - b)
  return rates[Math.floor(rates.length / 2)] as number
}

/** Connection contexts with varied clients, so the hashing schedulers hash real keys. */
function contexts(): PickContext[] {
  const out: PickContext[] = []
  for (let i = 0; i < 1024; i++) {
    out.push({
      sourceIp: `10.${(i >> 8) & 255}.${i & 255}.${(i * 37) & 255}`,
      sourcePort: 1024 + ((i * 7919) % 60_000),
      destinationIp: '127.1.0.1',
      destinationPort: 80,
      connectionId: Uint8Array.from({ length: 8 }, (_, k) => (i * 31 + k * 17) & 255),
    })
  }
  return out
}

const members = (n: number): PickerBackend[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `i-bench${i.toString().padStart(4, '0')}|0`,
    weight: 1 + ((i * 37) % 100),
  }))

/** A pick as the proxy makes it: wlc also counts the connection in and out. */
function picking(picker: Picker, ctxs: readonly PickContext[]): (i: number) => unknown {
  return (i) => {
    const b = picker.pick(ctxs[i & 1023] as PickContext)
    if (b !== undefined) {
      picker.connected(b.id)
      picker.disconnected(b.id)
    }
    return b
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

function main(): void {
  const ctxs = contexts()
  console.log(`Node ${process.version} · nproc ${availableParallelism()} · median of ${REPS} × ${MS} ms\n`)
  console.log('| scheduler | members | picks/s | ns/pick | × baseline |')
  console.log('|---|---:|---:|---:|---:|')
  for (const count of MEMBER_COUNTS) {
    const set = members(count)
    let next = 0
    const baseline = rate(() => set[next++ % count])
    console.log(`| baseline (array index) | ${count} | ${fmt(baseline)} | ${(1e9 / baseline).toFixed(0)} | 1.00 |`)
    for (const name of SCHEDULER_NAMES as readonly SchedulerName[]) {
      const picker = createPicker(name)
      picker.update(set)
      const r = rate(picking(picker, ctxs))
      console.log(`| ${name} | ${count} | ${fmt(r)} | ${(1e9 / r).toFixed(0)} | ${(r / baseline).toFixed(3)} |`)
    }
  }

  console.log('\n| key hash (per key, source IP string) | hashes/s | ns/hash | × FNV-1a 64 |')
  console.log('|---|---:|---:|---:|')
  const h = new Fnv1a64()
  const fnv = rate((i) => {
    h.reset().string(ctxs[i & 1023]?.sourceIp ?? '')
    return mix64(h.hi, h.lo)
  })
  const sha1 = rate((i) => createHash('sha1').update(ctxs[i & 1023]?.sourceIp ?? '').digest())
  console.log(`| FNV-1a 64 + fmix64 (stable-hash.ts) | ${fmt(fnv)} | ${(1e9 / fnv).toFixed(0)} | 1.00 |`)
  console.log(`| node:crypto sha1 | ${fmt(sha1)} | ${(1e9 / sha1).toFixed(0)} | ${(sha1 / fnv).toFixed(3)} |`)
}

main()
