/**
 * Weighted least connections: active counts steer picks, weights scale them, ties split by weight,
 * and the counts survive members leaving and coming back.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { WlcPicker } from '../../../src/dataplane/balancer/wlc.js'
import { backends, pickerContract } from './picker.contract.js'

pickerContract('wlc', () => new WlcPicker(), { shares: 'weighted' })

const letter = (id: string | undefined): string => (id === undefined ? '-' : id.slice(2, 3))

/** Opens `n` connections that stay open, as a listener would: pick then connected. */
function open(p: WlcPicker, n: number): string {
  let seq = ''
  for (let i = 0; i < n; i++) {
    const b = p.pick({})
    assert.ok(b)
    p.connected(b.id)
    seq += letter(b.id)
  }
  return seq
}

const tally = (seq: string): Record<string, number> =>
  [...seq].reduce<Record<string, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {})

describe('wlc: connection counts', () => {
  test('equal weights: the member with fewer open connections takes the next ones', () => {
    const p = new WlcPicker()
    p.update(backends(10, 10, 10))
    for (let i = 0; i < 5; i++) p.connected('i-a|0')
    p.connected('i-b|0')
    // b and c catch up with a before a gets anything.
    assert.deepEqual(tally(open(p, 9)), { b: 4, c: 5 })
    assert.deepEqual(tally(open(p, 3)), { a: 1, b: 1, c: 1 })
  })

  test('long-lived connections end up in proportion to weights, exactly at every full round', () => {
    const p = new WlcPicker()
    p.update(backends(3, 1))
    for (let round = 1; round <= 10; round++) {
      open(p, 4)
      assert.equal(p.active('i-a|0'), 3 * round)
      assert.equal(p.active('i-b|0'), round)
    }
  })

  test('weights scale load: 100/50/25 with everything held open splits 4/2/1', () => {
    const p = new WlcPicker()
    p.update(backends(100, 50, 25))
    assert.deepEqual(tally(open(p, 700)), { a: 400, b: 200, c: 100 })
  })

  test('closing connections steers the next picks back to the member that freed them', () => {
    const p = new WlcPicker()
    p.update(backends(1, 1))
    open(p, 10)
    for (let i = 0; i < 3; i++) p.disconnected('i-b|0')
    assert.equal(open(p, 3), 'bbb')
  })

  test('ties split by smooth weighted round robin: sequential short connections follow weights 3/2/1', () => {
    const p = new WlcPicker()
    p.update(backends(3, 2, 1))
    let seq = ''
    for (let i = 0; i < 12; i++) {
      const b = p.pick({}) as { id: string }
      p.connected(b.id)
      p.disconnected(b.id)
      seq += letter(b.id)
    }
    assert.equal(seq, 'abacba'.repeat(2))
  })

  test('counts never go below zero', () => {
    const p = new WlcPicker()
    p.update(backends(1, 1))
    p.connected('i-a|0')
    for (let i = 0; i < 5; i++) p.disconnected('i-a|0')
    assert.equal(p.active('i-a|0'), 0)
    p.connected('i-b|0')
    // a has 0 (not -4): one pick to a evens them, then they alternate.
    assert.equal(tally(open(p, 3)).a, 2)
  })
})

describe('wlc: members that leave and come back', () => {
  test('a removed member keeps counting its draining connections and is weighed with them on return', () => {
    const p = new WlcPicker()
    p.update(backends(1, 1))
    for (let i = 0; i < 4; i++) p.connected('i-a|0')
    p.update(backends(1, 1).slice(1))
    assert.equal(open(p, 2), 'bb')
    p.disconnected('i-a|0')
    assert.equal(p.active('i-a|0'), 3)
    p.update(backends(1, 1))
    // a: 3 open, b: 2 open → b takes the next one, then they alternate.
    assert.equal(open(p, 3).slice(0, 1), 'b')
  })

  test('once a removed member has drained, nothing is kept: it returns at zero', () => {
    const p = new WlcPicker()
    p.update(backends(1, 1))
    p.connected('i-a|0')
    p.connected('i-a|0')
    p.update(backends(1, 1).slice(1))
    p.disconnected('i-a|0')
    p.disconnected('i-a|0')
    p.disconnected('i-a|0')
    assert.equal(p.active('i-a|0'), 0)
    p.connected('i-b|0')
    p.update(backends(1, 1))
    assert.equal(open(p, 1), 'a')
  })

  test('a connection reported after the update that removed its member is still counted', () => {
    const p = new WlcPicker()
    p.update(backends(1, 1))
    const picked = p.pick({})
    assert.equal(picked?.id, 'i-a|0')
    p.update(backends(1, 1).slice(1))
    p.connected('i-a|0')
    assert.equal(p.active('i-a|0'), 1)
    p.disconnected('i-a|0')
    assert.equal(p.active('i-a|0'), 0)
  })
})
