/**
 * Smooth weighted round robin: the nginx sequence, exact counts over every cycle, smoothness, and what
 * an update mid-cycle keeps (see the guarantee on WrrPicker).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { PickerBackend } from '../../../src/dataplane/balancer/picker.js'
import { WrrPicker } from '../../../src/dataplane/balancer/wrr.js'
import { backends, pickerContract, seeded } from './picker.contract.js'

pickerContract('wrr', () => new WrrPicker(), { shares: 'weighted' })

const letter = (id: string | undefined): string => (id === undefined ? '-' : id.slice(2, 3))
const picks = (p: WrrPicker, n: number): string[] => Array.from({ length: n }, () => letter(p.pick({})?.id))
const sum = (set: readonly PickerBackend[]): number => set.reduce((s, b) => s + b.weight, 0)

/**
 * The properties picks from `seq` must have for `set`: after every prefix of n picks each member's count
 * is within `slack` of n·weight/total, and every window of `total` picks starting at `exactFrom` or later
 * holds exactly `weight` picks of each member.
 */
function assertSchedule(
  seq: readonly string[],
  set: readonly PickerBackend[],
  slack: number,
  exactFrom: number,
  label = '',
): void {
  const total = sum(set)
  const letters = set.map((b) => letter(b.id))
  const index = new Map(letters.map((l, i) => [l, i]))
  const picked = seq.map((l) => index.get(l) ?? -1)
  const counts = set.map(() => 0)
  const inWindow = set.map(() => 0)
  picked.forEach((m, i) => {
    assert.ok(m >= 0, `${label} picked ${seq[i]}, not a member`)
    counts[m] = (counts[m] ?? 0) + 1
    inWindow[m] = (inWindow[m] ?? 0) + 1
    for (let j = 0; j < set.length; j++) {
      const deviation = Math.abs((counts[j] as number) - ((i + 1) * (set[j] as PickerBackend).weight) / total)
      if (deviation >= slack) assert.fail(`${label} ${letters[j]} off its share by ${deviation} after ${i + 1} picks`)
    }
    // Slide one window of `total` picks along the sequence, counting in and out.
    const start = i + 1 - total
    if (start < 0) return
    if (start >= exactFrom) {
      for (let j = 0; j < set.length; j++) {
        if (inWindow[j] !== (set[j] as PickerBackend).weight) {
          const window = seq.slice(start, i + 1).join('')
          assert.fail(`${label} ${letters[j]} ${inWindow[j]} times in window at ${start}: ${window}`)
        }
      }
    }
    const leaving = picked[start] as number
    inWindow[leaving] = (inWindow[leaving] ?? 0) - 1
  })
}

describe('wrr: one cycle', () => {
  test('5/1/1 is the nginx smooth sequence a a b a c a a, cycle after cycle', () => {
    const p = new WrrPicker()
    p.update(backends(5, 1, 1))
    assert.equal(picks(p, 21).join(''), 'aabacaa'.repeat(3))
  })

  test('3/2/1 is a b a c b a (the tie of a and c at the third pick goes to the earlier position)', () => {
    const p = new WrrPicker()
    p.update(backends(3, 2, 1))
    assert.equal(picks(p, 12).join(''), 'abacba'.repeat(2))
  })

  for (const weights of [[100, 50, 1], [3, 2, 1], [5, 1, 1], [1, 1, 1, 1], [7]]) {
    test(`${weights.join('/')}: every window of sum(weights) picks is exact, every prefix within one pick`, () => {
      const p = new WrrPicker()
      const set = backends(...weights)
      p.update(set)
      assertSchedule(picks(p, 3 * sum(set)), set, 1, 0)
    })
  }

  test('many members (29/80/1/82/10/5/21/76/3, 100/100/1/1/37): exact windows, every prefix within two picks', () => {
    for (const weights of [[29, 80, 1, 82, 10, 5, 21, 76, 3], [100, 100, 1, 1, 37]]) {
      const p = new WrrPicker()
      const set = backends(...weights)
      p.update(set)
      assertSchedule(picks(p, 3 * sum(set)), set, 2, 0, weights.join('/'))
    }
  })

  test('100/50/1: no long runs — the heavy member never takes more than 2 picks in a row', () => {
    const p = new WrrPicker()
    p.update(backends(100, 50, 1))
    const seq = picks(p, 453).join('')
    assert.equal(/a{3}/.test(seq), false)
    assert.equal(seq.split('c').length - 1, 3)
  })
})

describe('wrr: updates keep the rotation', () => {
  test('an update that changes nothing does not disturb the sequence', () => {
    const untouched = new WrrPicker()
    const updated = new WrrPicker()
    untouched.update(backends(5, 3, 2))
    updated.update(backends(5, 3, 2))
    const a = picks(untouched, 7)
    const b = picks(updated, 7)
    updated.update(backends(5, 3, 2).map((x) => ({ ...x })))
    assert.deepEqual([...a, ...picks(untouched, 30)], [...b, ...picks(updated, 30)])
  })

  test('adding a member mid-cycle: within two picks of the new shares at once, exact cycles after one', () => {
    const p = new WrrPicker()
    p.update(backends(3, 2, 1))
    picks(p, 4)
    const next = backends(3, 2, 1, 2)
    p.update(next)
    assertSchedule(picks(p, 4 * sum(next)), next, 2, sum(next), 'add d')
  })

  test('removing the heavy member of 100/1/1 mid-cycle leaves b and c alternating, not a burst', () => {
    const p = new WrrPicker()
    const set = backends(100, 1, 1)
    p.update(set)
    // 51 picks: b has just been picked and c is almost a full pick behind.
    const before = picks(p, 51).join('')
    assert.equal(before.split('').filter((x) => x !== 'a').join(''), 'b')
    p.update(set.slice(1))
    const after = picks(p, 20).join('')
    assert.equal(after, 'cb'.repeat(10))
  })

  test('a weight change takes effect from the next pick, with the same bounds', () => {
    const p = new WrrPicker()
    p.update(backends(1, 1, 1))
    picks(p, 2)
    const next = backends(1, 1, 8)
    p.update(next)
    assertSchedule(picks(p, 4 * sum(next)), next, 2, sum(next), 'weight')
  })

  test('exhaustive: every reachable state of up to 3 members (weights 1–4) and every single change', () => {
    const vectors = (n: number): number[][] =>
      n === 0 ? [[]] : vectors(n - 1).flatMap((v) => [1, 2, 3, 4].map((w) => [...v, w]))
    let cases = 0
    for (const n of [1, 2, 3]) {
      for (const weights of vectors(n)) {
        const set = backends(...weights)
        const changes: PickerBackend[][] = []
        for (let i = 0; i < n && n > 1; i++) changes.push(set.filter((_, j) => j !== i))
        for (let at = 0; at <= n; at++) {
          for (const w of [1, 2, 3, 4]) {
            changes.push([...set.slice(0, at), { id: 'i-z|0', weight: w }, ...set.slice(at)])
          }
        }
        for (let i = 0; i < n; i++) {
          for (const w of [1, 2, 3, 4]) {
            if (w !== weights[i]) changes.push(set.map((b, j) => (j === i ? { ...b, weight: w } : b)))
          }
        }
        for (let step = 0; step < sum(set); step++) {
          for (const next of changes) {
            const p = new WrrPicker()
            p.update(set)
            picks(p, step)
            p.update(next)
            const to = next.map((b) => letter(b.id) + b.weight).join(' ')
            const label = `${weights.join('/')} after ${step} → ${to}:`
            assertSchedule(picks(p, 3 * sum(next)), next, 2, sum(next), label)
            cases++
          }
        }
      }
    }
    assert.ok(cases > 5000)
  })

  test('random chains of updates with weights up to 100 keep the same bounds', () => {
    const next = seeded(42)
    const int = (n: number) => Math.floor(next() * n)
    for (let trial = 0; trial < 300; trial++) {
      const p = new WrrPicker()
      let set = backends(...Array.from({ length: 1 + int(6) }, () => 1 + int(100)))
      p.update(set)
      let fresh = 0
      for (let u = 0; u < 4; u++) {
        picks(p, int(2 * sum(set)))
        const changed = [...set]
        const op = int(3)
        if (op === 0 && changed.length > 1) {
          changed.splice(int(changed.length), 1)
        } else if (op === 1) {
          changed.splice(int(changed.length + 1), 0, { id: `i-${'klmnopqrstuvwxyz'[fresh++]}|0`, weight: 1 + int(100) })
        } else {
          const i = int(changed.length)
          changed[i] = { ...(changed[i] as PickerBackend), weight: 1 + int(100) }
        }
        set = changed
        p.update(set)
      }
      assertSchedule(picks(p, 3 * sum(set)), set, 2, sum(set), `trial ${trial}`)
    }
  })
})
