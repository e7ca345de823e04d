/**
 * The conformance suite every picker passes (DESIGN.md principle 6), imported by each algorithm's test
 * file, plus the seeded inputs those files share. No sockets: picks are counted.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { PickContext, Picker, PickerBackend } from '../../../src/dataplane/balancer/picker.js'

/** A small deterministic generator (xorshift32), so every run sees the same keys. */
export function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 0x1_0000_0000
  }
}

/** Connection contexts as a listener would see them: random clients, the odd IPv6 one and QUIC IDs. */
export function contexts(count: number, seed = 1): PickContext[] {
  const next = seeded(seed)
  const byte = () => Math.floor(next() * 256)
  const out: PickContext[] = []
  for (let i = 0; i < count; i++) {
    const v6 = next() < 0.1
    const sourceIp = v6
      ? `2001:db8::${byte().toString(16)}:${byte().toString(16)}`
      : `${10 + (byte() % 100)}.${byte()}.${byte()}.${byte()}`
    out.push({
      sourceIp,
      sourcePort: 1024 + Math.floor(next() * 64_000),
      destinationIp: '127.1.0.1',
      destinationPort: 80,
      ...(next() < 0.5 ? { connectionId: Uint8Array.from({ length: 8 }, byte) } : {}),
    })
  }
  return out
}

export const backends = (...weights: number[]): PickerBackend[] =>
  weights.map((weight, i) => ({ id: `i-${String.fromCharCode(97 + i)}|0`, weight }))

/** Picks once per context the way a listener does (pick, connected, disconnected) and counts by id. */
export function countPicks(picker: Picker, ctxs: readonly PickContext[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const ctx of ctxs) {
    const b = picker.pick(ctx)
    assert.ok(b !== undefined)
    picker.connected(b.id)
    picker.disconnected(b.id)
    counts.set(b.id, (counts.get(b.id) ?? 0) + 1)
  }
  return counts
}

export interface ContractOptions {
  /** `weighted`: shares follow weights; `equal`: every member the same share (rr). */
  readonly shares: 'weighted' | 'equal'
}

export function pickerContract(name: string, make: () => Picker, options: ContractOptions): void {
  describe(`${name}: picker contract`, () => {
    test('an empty set picks nothing, before and after members come and go', () => {
      const p = make()
      assert.equal(p.pick(contexts(1)[0] as PickContext), undefined)
      p.update(backends(10, 20))
      assert.notEqual(p.pick({}), undefined)
      p.update([])
      for (const ctx of contexts(20)) assert.equal(p.pick(ctx), undefined)
    })

    test('a single member takes every pick, whatever the context', () => {
      const p = make()
      const [only] = backends(7)
      p.update([only as PickerBackend])
      for (const ctx of [{}, ...contexts(500)]) assert.equal(p.pick(ctx), only)
    })

    test('a member removed by update is never picked again; the others still are', () => {
      const p = make()
      const set = backends(100, 50, 25, 10)
      p.update(set)
      countPicks(p, contexts(300, 2))
      p.update(set.filter((b) => b.id !== 'i-b|0'))
      const counts = countPicks(p, contexts(5000, 3))
      assert.equal(counts.get('i-b|0'), undefined)
      assert.deepEqual([...counts.keys()].sort(), ['i-a|0', 'i-c|0', 'i-d|0'])
    })

    test('weight 0, invalid weights and repeated ids never reach the schedule', () => {
      const p = make()
      const [a, b] = backends(100, 100)
      p.update([
        a as PickerBackend,
        { id: 'i-zero|0', weight: 0 },
        { id: 'i-neg|0', weight: -5 },
        { id: 'i-nan|0', weight: Number.NaN },
        b as PickerBackend,
        { id: 'i-a|0', weight: 1 },
      ])
      const counts = countPicks(p, contexts(4000, 4))
      assert.deepEqual([...counts.keys()].sort(), ['i-a|0', 'i-b|0'])
      // The repeated i-a with weight 1 was ignored: a and b keep equal weights.
      assert.ok(Math.abs((counts.get('i-a|0') ?? 0) - 2000) < 200)
    })

    const sharesTitle = options.shares === 'weighted' ? 'follow weights 100/50/25' : 'are equal whatever the weights'
    test(`shares over 10,000 picks ${sharesTitle}`, () => {
      const p = make()
      const set = backends(100, 50, 25)
      p.update(set)
      const n = 10_000
      const counts = countPicks(p, contexts(n, 5))
      const total = options.shares === 'weighted' ? 175 : 3
      for (const b of set) {
        const expected = (options.shares === 'weighted' ? b.weight : 1) / total
        const share = (counts.get(b.id) ?? 0) / n
        // ±5 points, and within 4 binomial standard deviations (what a fair random split allows).
        assert.ok(Math.abs(share - expected) <= 0.05, `${b.id}: ${share} vs ${expected}`)
        const sigma = Math.sqrt(n * expected * (1 - expected))
        assert.ok(Math.abs(share * n - expected * n) <= 4 * sigma, `${b.id}: ${share * n} vs ${expected * n}`)
      }
    })

    test('deterministic: two pickers fed the same updates and contexts pick the same sequence', () => {
      const run = () => {
        const p = make()
        const seq: string[] = []
        const ctxs = contexts(600, 6)
        p.update(backends(5, 3, 1))
        for (const ctx of ctxs.slice(0, 200)) seq.push(p.pick(ctx)?.id ?? '-')
        p.update(backends(5, 3, 1, 4).slice(1))
        for (const ctx of ctxs.slice(200)) seq.push(p.pick(ctx)?.id ?? '-')
        return seq
      }
      assert.deepEqual(run(), run())
    })

    test('connection accounting tolerates unknown ids and extra disconnects', () => {
      const p = make()
      p.disconnected('i-nobody|0')
      p.connected('i-nobody|0')
      p.update(backends(1, 1))
      p.disconnected('i-a|0')
      p.disconnected('i-a|0')
      p.disconnected('i-nobody|0')
      p.disconnected('i-nobody|0')
      const counts = countPicks(p, contexts(2000, 7))
      assert.deepEqual([...counts.keys()].sort(), ['i-a|0', 'i-b|0'])
    })

    test('update copies the member list: later changes to the caller’s array do not leak in', () => {
      const p = make()
      const list = backends(1, 1)
      p.update(list)
      list.push({ id: 'i-late|0', weight: 100 })
      list.splice(0, 1)
      const counts = countPicks(p, contexts(500, 8))
      assert.deepEqual([...counts.keys()].sort(), ['i-a|0', 'i-b|0'])
    })
  })
}
