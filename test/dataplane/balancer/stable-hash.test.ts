/**
 * The stable hash: FNV-1a 64 and fmix64 on uint32 halves agree with the standard algorithms (checked
 * against BigInt references and published vectors), and the unit draw stays inside (0, 1).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Fnv1a64, mix64, mixToUnit } from '../../../src/dataplane/balancer/stable-hash.js'
import { seeded } from './picker.contract.js'

const MASK = (1n << 64n) - 1n
const big = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo)

function fnvReference(bytes: Iterable<number>): bigint {
  let h = 0xcbf29ce484222325n
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & MASK
  return h
}

function fmixReference(k: bigint): bigint {
  k ^= k >> 33n
  k = (k * 0xff51afd7ed558ccdn) & MASK
  k ^= k >> 33n
  k = (k * 0xc4ceb9fe1a85ec53n) & MASK
  return k ^ (k >> 33n)
}

test('FNV-1a 64 published vectors', () => {
  for (const [input, expected] of [
    ['', 0xcbf29ce484222325n],
    ['a', 0xaf63dc4c8601ec8cn],
    ['foobar', 0x85944171f73967e8n],
  ] as const) {
    const h = new Fnv1a64().string(input)
    assert.equal(big(h.hi, h.lo), expected, input)
  }
})

test('FNV-1a 64 agrees with a BigInt reference on random bytes, and reset starts over', () => {
  const next = seeded(7)
  const h = new Fnv1a64()
  for (let i = 0; i < 2000; i++) {
    const bytes = Uint8Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256))
    h.reset().bytes(bytes)
    assert.equal(big(h.hi, h.lo), fnvReference(bytes))
  }
})

test('strings hash as their UTF-8 bytes (a lone surrogate as its 3-byte WTF-8 form), ports big-endian', () => {
  for (const s of ['10.0.0.1', '2001:db8::1', 'é', '€uro', '😀x', 'i-bp1|0']) {
    const h = new Fnv1a64().string(s)
    assert.equal(big(h.hi, h.lo), fnvReference(new TextEncoder().encode(s)), s)
  }
  const lone = new Fnv1a64().string('\ud800')
  assert.equal(big(lone.hi, lone.lo), fnvReference([0xed, 0xa0, 0x80]))
  const port = new Fnv1a64().uint16(0x1f90)
  assert.equal(big(port.hi, port.lo), fnvReference([0x1f, 0x90]))
})

test('fmix64 agrees with a BigInt reference, edge values included', () => {
  const next = seeded(9)
  const cases: Array<[number, number]> = [[0, 0], [0xffffffff, 0xffffffff], [1, 0], [0, 1], [0x80000000, 0x7fffffff]]
  for (let i = 0; i < 20_000; i++) cases.push([Math.floor(next() * 2 ** 32), Math.floor(next() * 2 ** 32)])
  for (const [hi, lo] of cases) {
    const [h, l] = mix64(hi, lo)
    assert.equal(big(h, l), fmixReference(big(hi, lo)), `${hi}:${lo}`)
  }
})

test('the unit draw is strictly inside (0, 1) and evenly spread', () => {
  assert.equal(mixToUnit(0, 0), 2 ** -53)
  const buckets = new Array<number>(16).fill(0)
  const n = 160_000
  for (let i = 0; i < n; i++) {
    const u = mixToUnit(i >>> 4, i)
    assert.ok(u > 0 && u < 1)
    const k = Math.floor(u * 16)
    buckets[k] = (buckets[k] ?? 0) + 1
  }
  for (const count of buckets) assert.ok(Math.abs(count - n / 16) < 0.05 * (n / 16), `${buckets}`)
})
