/**
 * Consistent hashing (sch, tch, qch by weighted rendezvous): what each scheduler keys on, minimal
 * disruption when members change (keys counted), and the same mapping in every instance and process.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  QuicHashPicker,
  type RendezvousHashPicker,
  SourceHashPicker,
  TupleHashPicker,
} from '../../../src/dataplane/balancer/hash.js'
import type { PickContext, PickerBackend } from '../../../src/dataplane/balancer/picker.js'
import { backends, contexts, pickerContract } from './picker.contract.js'

pickerContract('sch', () => new SourceHashPicker(), { shares: 'weighted' })
pickerContract('tch', () => new TupleHashPicker(), { shares: 'weighted' })
pickerContract('qch', () => new QuicHashPicker(), { shares: 'weighted' })

const kinds: ReadonlyArray<[string, () => RendezvousHashPicker]> = [
  ['sch', () => new SourceHashPicker()],
  ['tch', () => new TupleHashPicker()],
  ['qch', () => new QuicHashPicker()],
]

function mapping(make: () => RendezvousHashPicker, set: readonly PickerBackend[], ctxs: readonly PickContext[]) {
  const p = make()
  p.update(set)
  return ctxs.map((ctx) => p.pick(ctx)?.id)
}

/** Fraction of contexts whose pick changes when `change` is applied to each of them. */
function movedBy(make: () => RendezvousHashPicker, change: (ctx: PickContext) => PickContext): number {
  const p = make()
  p.update(backends(1, 1, 1, 1))
  const ctxs = contexts(2000, 11)
  return ctxs.filter((ctx) => p.pick(ctx) !== p.pick(change(ctx))).length / ctxs.length
}

describe('hash: what each scheduler keys on', () => {
  test('sch: the source address only — ports, destination and QUIC IDs do not matter', () => {
    const make = () => new SourceHashPicker()
    assert.equal(movedBy(make, (c) => ({ ...c, sourcePort: (c.sourcePort ?? 0) + 1 })), 0)
    assert.equal(movedBy(make, (c) => ({ ...c, destinationPort: 443, destinationIp: '127.1.0.9' })), 0)
    assert.equal(movedBy(make, (c) => ({ ...c, connectionId: Uint8Array.of(1, 2, 3) })), 0)
    // Four equal members: a new key lands elsewhere three times in four.
    assert.ok(movedBy(make, (c) => ({ ...c, sourceIp: `${c.sourceIp}0` })) > 0.6)
  })

  test('tch: each of the four tuple fields moves keys, nothing else does', () => {
    const make = () => new TupleHashPicker()
    assert.ok(movedBy(make, (c) => ({ ...c, sourceIp: `${c.sourceIp}0` })) > 0.6)
    assert.ok(movedBy(make, (c) => ({ ...c, sourcePort: (c.sourcePort ?? 0) + 1 })) > 0.6)
    assert.ok(movedBy(make, (c) => ({ ...c, destinationIp: '127.1.0.2' })) > 0.6)
    assert.ok(movedBy(make, (c) => ({ ...c, destinationPort: 81 })) > 0.6)
    assert.equal(movedBy(make, (c) => ({ ...c, connectionId: Uint8Array.of(9) })), 0)
  })

  test('qch: the connection ID when there is one, so a migrating client keeps its backend', () => {
    const make = () => new QuicHashPicker()
    const withId = (c: PickContext): PickContext => ({ ...c, connectionId: Uint8Array.of(7, 7, c.sourcePort ?? 0) })
    const p = make()
    p.update(backends(1, 1, 1, 1))
    for (const ctx of contexts(1000, 12)) {
      const before = p.pick(withId(ctx))
      const migrated = { ...withId(ctx), sourceIp: '198.51.100.1', sourcePort: 5555 }
      assert.equal(p.pick(migrated), before)
    }
    assert.ok(movedBy(make, (c) => ({ ...withId(c), connectionId: Uint8Array.of(8, 8, c.sourcePort ?? 0) })) > 0.6)
  })

  test('qch: without a connection ID (or with an empty one) it falls back to source address and port', () => {
    const q = new QuicHashPicker()
    q.update(backends(1, 1, 1, 1))
    const bare = contexts(2000, 13).map((c) => ({ sourceIp: c.sourceIp, sourcePort: c.sourcePort }) as PickContext)
    for (const ctx of bare) {
      assert.equal(q.pick(ctx), q.pick({ ...ctx, connectionId: new Uint8Array(0) }))
      assert.equal(q.pick(ctx), q.pick({ ...ctx, destinationIp: '127.1.0.3', destinationPort: 9 }))
    }
    const portChanged = (c: PickContext): PickContext => ({ sourceIp: c.sourceIp, sourcePort: (c.sourcePort ?? 0) + 1 })
    assert.ok(movedBy(() => new QuicHashPicker(), portChanged) > 0.6)
  })

  test('an IPv4 client seen through a dual-stack socket (::ffff:a.b.c.d) hashes as a.b.c.d', () => {
    for (const [, make] of kinds) {
      const p = make()
      p.update(backends(1, 1, 1, 1))
      for (const ctx of contexts(500, 14).filter((c) => !(c.sourceIp ?? '').includes(':'))) {
        const { connectionId: _, ...plain } = ctx
        assert.equal(p.pick({ ...plain, sourceIp: `::ffff:${ctx.sourceIp}` }), p.pick(plain))
      }
    }
  })

  test('a context without any key still picks, always the same member', () => {
    for (const [, make] of kinds) {
      const p = make()
      p.update(backends(1, 1, 1))
      const first = p.pick({})
      assert.ok(first)
      for (let i = 0; i < 10; i++) assert.equal(p.pick({}), first)
    }
  })
})

describe('hash: minimal disruption (keys counted over 10,000 contexts)', () => {
  const ctxs = contexts(10_000, 21)
  const set = backends(100, 50, 25, 80, 10)

  for (const [name, make] of kinds) {
    test(`${name}: removing a member moves exactly the keys it held, and no other`, () => {
      const before = mapping(make, set, ctxs)
      for (const removed of set) {
        const after = mapping(make, set.filter((b) => b !== removed), ctxs)
        let held = 0
        let moved = 0
        before.forEach((id, i) => {
          if (id === removed.id) held++
          if (after[i] !== id) {
            moved++
            assert.equal(id, removed.id, `key ${i} moved from ${id} to ${after[i]}`)
          }
        })
        assert.equal(moved, held)
        assert.ok(held > 0)
      }
    })

    test(`${name}: adding a member moves keys only to it, about its share of them`, () => {
      const before = mapping(make, set, ctxs)
      const added = { id: 'eni-new|10.0.0.9|80', weight: 65 }
      const after = mapping(make, [...set, added], ctxs)
      let moved = 0
      after.forEach((id, i) => {
        if (id === before[i]) return
        moved++
        assert.equal(id, added.id)
      })
      const expected = (65 / 330) * ctxs.length
      assert.ok(Math.abs(moved - expected) < 4 * Math.sqrt(expected), `${moved} moved, ~${expected} expected`)
    })

    test(`${name}: changing one weight moves keys only to or from that member`, () => {
      const before = mapping(make, set, ctxs)
      const up = mapping(make, set.map((b) => (b.id === 'i-c|0' ? { ...b, weight: 100 } : b)), ctxs)
      const down = mapping(make, set.map((b) => (b.id === 'i-c|0' ? { ...b, weight: 1 } : b)), ctxs)
      let gained = 0
      let lost = 0
      before.forEach((id, i) => {
        if (up[i] !== id) {
          gained++
          assert.equal(up[i], 'i-c|0')
        }
        if (down[i] !== id) {
          lost++
          assert.equal(id, 'i-c|0')
        }
      })
      assert.ok(gained > 0 && lost > 0)
    })
  }
})

describe('hash: stable across instances and processes', () => {
  const ctxs = contexts(10_000, 31)
  const set = backends(100, 50, 25, 80, 10)

  for (const [name, make] of kinds) {
    test(`${name}: fresh instances, members in any order, map every key the same way`, () => {
      const reference = mapping(make, set, ctxs)
      assert.deepEqual(mapping(make, [...set].reverse(), ctxs), reference)
      assert.deepEqual(mapping(make, [set[2], set[0], set[4], set[1], set[3]] as PickerBackend[], ctxs), reference)
      // An instance that saw other members first ends in the same place.
      const p = make()
      p.update(backends(1, 2, 3))
      p.update(set)
      assert.deepEqual(ctxs.map((c) => p.pick(c)?.id), reference)
    })
  }

  test('pinned mapping: changing the hash would move every client on upgrade, so these never change', () => {
    const members = [
      { id: 'i-bp1a|0', weight: 100 },
      { id: 'i-bp1b|0', weight: 50 },
      { id: 'eni-bp1c|10.0.0.5|8080', weight: 25 },
    ]
    const sch = new SourceHashPicker()
    const tch = new TupleHashPicker()
    const qch = new QuicHashPicker()
    for (const p of [sch, tch, qch]) p.update(members)
    const a = 'i-bp1a|0'
    const b = 'i-bp1b|0'
    const c = 'eni-bp1c|10.0.0.5|8080'
    const pinned: ReadonlyArray<[string, string, string]> = [
      ['10.0.0.1', b, c],
      ['10.0.0.2', a, b],
      ['192.168.1.20', a, a],
      ['172.16.5.4', b, a],
      ['2001:db8::1', c, b],
      ['203.0.113.9', a, a],
      ['198.51.100.77', b, b],
      ['10.255.255.254', a, b],
    ]
    for (const [ip, bySource, byTuple] of pinned) {
      assert.equal(sch.pick({ sourceIp: ip })?.id, bySource, ip)
      const tuple = { sourceIp: ip, sourcePort: 40000, destinationIp: '127.1.0.1', destinationPort: 80 }
      assert.equal(tch.pick(tuple)?.id, byTuple, ip)
      // A connection ID made of the same bytes as the address hashes like it.
      assert.equal(qch.pick({ connectionId: new TextEncoder().encode(ip) })?.id, bySource, ip)
    }
  })
})
