/**
 * Round robin: strict rotation whatever the weights, and where the rotation continues after an update.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { PickerBackend } from '../../../src/dataplane/balancer/picker.js'
import { RrPicker } from '../../../src/dataplane/balancer/rr.js'
import { backends, pickerContract } from './picker.contract.js'

pickerContract('rr', () => new RrPicker(), { shares: 'equal' })

const ids = (p: RrPicker, n: number): string =>
  Array.from({ length: n }, () => p.pick({})?.id.slice(2, 3) ?? '-').join('')
const named = (...names: string[]): PickerBackend[] => names.map((n) => ({ id: `i-${n}|0`, weight: 100 }))

describe('rr: rotation', () => {
  test('strict rotation in the given order, weights ignored', () => {
    const p = new RrPicker()
    p.update(backends(100, 1, 50))
    assert.equal(ids(p, 9), 'abcabcabc')
  })

  test('an update before any pick starts at the first member', () => {
    const p = new RrPicker()
    p.update(named('a', 'b'))
    p.update(named('a', 'b', 'c'))
    assert.equal(ids(p, 6), 'abcabc')
  })

  test('an unchanged set keeps the rotation where it was', () => {
    const p = new RrPicker()
    p.update(named('a', 'b', 'c'))
    assert.equal(ids(p, 2), 'ab')
    p.update(named('a', 'b', 'c'))
    assert.equal(ids(p, 4), 'cabc')
  })

  test('the member due next is still due next when others come and go', () => {
    const p = new RrPicker()
    p.update(named('a', 'b', 'c', 'd'))
    assert.equal(ids(p, 1), 'a')
    p.update(named('x', 'a', 'b', 'd'))
    // b was due; x waits for the rotation to come round.
    assert.equal(ids(p, 5), 'bdxab')
  })

  test('when the member due next leaves, its first old successor that stayed is due', () => {
    const p = new RrPicker()
    p.update(named('a', 'b', 'c', 'd'))
    assert.equal(ids(p, 1), 'a')
    p.update(named('a', 'd'))
    assert.equal(ids(p, 4), 'dada')
  })

  test('wrapping: the last member picked, the due one removed, rotation restarts at the front survivor', () => {
    const p = new RrPicker()
    p.update(named('a', 'b', 'c'))
    assert.equal(ids(p, 3), 'abc')
    p.update(named('b', 'c'))
    assert.equal(ids(p, 3), 'bcb')
  })

  test('over many updates every member keeps an equal share of picks', () => {
    const p = new RrPicker()
    const counts = new Map<string, number>()
    for (let round = 0; round < 50; round++) {
      p.update(round % 2 === 0 ? named('a', 'b', 'c') : named('c', 'b', 'a'))
      for (let i = 0; i < 3; i++) {
        const id = p.pick({})?.id as string
        counts.set(id, (counts.get(id) ?? 0) + 1)
      }
    }
    assert.deepEqual([...counts.values()], [50, 50, 50])
  })
})
