/**
 * The 64-bit hash the hashing schedulers key on, identical in every process and on every machine:
 * FNV-1a 64 over the key's bytes, then MurmurHash3's fmix64 finaliser so every input bit reaches
 * every output bit. Both run on two uint32 halves: BigInt arithmetic is far too slow per pick.
 */

const FNV_OFFSET_HI = 0xcbf29ce4
const FNV_OFFSET_LO = 0x84222325
/** The FNV 64-bit prime is 2^40 + 0x1b3. */
const FNV_PRIME_LOW = 0x1b3

/**
 * Incremental FNV-1a 64. Strings are hashed as their UTF-8 bytes and ports as two big-endian bytes,
 * so a value is defined by the standard algorithm alone, not by this implementation.
 *
 * @example
 * const h = new Fnv1a64().string('foobar') // h.hi === 0x85944171, h.lo === 0xf73967e8
 */
export class Fnv1a64 {
  hi = FNV_OFFSET_HI
  lo = FNV_OFFSET_LO

  reset(): this {
    this.hi = FNV_OFFSET_HI
    this.lo = FNV_OFFSET_LO
    return this
  }

  byte(value: number): this {
    const lo = (this.lo ^ (value & 0xff)) >>> 0
    // (hi·2^32 + lo) · (2^40 + 0x1b3) mod 2^64. The carry out of lo·0x1b3 comes from 16-bit limbs so
    // everything stays in integer arithmetic.
    const carry = ((lo >>> 16) * FNV_PRIME_LOW + (((lo & 0xffff) * FNV_PRIME_LOW) >>> 16)) >>> 16
    this.lo = Math.imul(lo, FNV_PRIME_LOW) >>> 0
    this.hi = (Math.imul(this.hi, FNV_PRIME_LOW) + carry + (lo << 8)) >>> 0
    return this
  }

  bytes(values: Uint8Array): this {
    for (let i = 0; i < values.length; i++) this.byte(values[i] as number)
    return this
  }

  uint16(value: number): this {
    return this.byte(value >>> 8).byte(value)
  }

  string(value: string): this {
    for (let i = 0; i < value.length; i++) {
      let code = value.charCodeAt(i)
      if (code < 0x80) {
        this.byte(code)
        continue
      }
      if (code >= 0xd800 && code < 0xdc00 && i + 1 < value.length) {
        const low = value.charCodeAt(i + 1)
        if (low >= 0xdc00 && low < 0xe000) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
          i++
        }
      }
      if (code < 0x800) {
        this.byte(0xc0 | (code >> 6)).byte(0x80 | (code & 0x3f))
      } else if (code < 0x10000) {
        this.byte(0xe0 | (code >> 12)).byte(0x80 | ((code >> 6) & 0x3f)).byte(0x80 | (code & 0x3f))
      } else {
        this.byte(0xf0 | (code >> 18)).byte(0x80 | ((code >> 12) & 0x3f))
        this.byte(0x80 | ((code >> 6) & 0x3f)).byte(0x80 | (code & 0x3f))
      }
    }
    return this
  }
}

/** Result registers of `mul64` and `fmix64`, so the per-pick path allocates nothing. */
let outHi = 0
let outLo = 0

/** (ah·2^32 + al) · (bh·2^32 + bl) mod 2^64 into outHi/outLo. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  // The high half of al·bl from 16-bit limbs: every partial product is below 2^32, so exact.
  const a0 = al & 0xffff
  const a1 = al >>> 16
  const b0 = bl & 0xffff
  const b1 = bl >>> 16
  const p01 = a0 * b1
  const p10 = a1 * b0
  const carry = (((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)) >>> 16
  outLo = Math.imul(al, bl) >>> 0
  outHi = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0
}

/** MurmurHash3 fmix64 of (hi, lo) into outHi/outLo. */
function fmix64(hi: number, lo: number): void {
  lo = (lo ^ (hi >>> 1)) >>> 0
  mul64(hi, lo, 0xff51afd7, 0xed558ccd)
  hi = outHi
  lo = (outLo ^ (hi >>> 1)) >>> 0
  mul64(hi, lo, 0xc4ceb9fe, 0x1a85ec53)
  outLo = (outLo ^ (outHi >>> 1)) >>> 0
}

/** fmix64 of a 64-bit value given as two uint32 halves, as [hi, lo]. */
export function mix64(hi: number, lo: number): [number, number] {
  fmix64(hi >>> 0, lo >>> 0)
  return [outHi, outLo]
}

/**
 * fmix64 of (hi, lo) as a double strictly inside (0, 1), from its top 52 bits plus one half (52, not
 * 53: x + 0.5 must stay exact): the uniform draw of rendezvous hashing. Never 0 or 1, so its
 * logarithm is finite and negative.
 */
export function mixToUnit(hi: number, lo: number): number {
  fmix64(hi >>> 0, lo >>> 0)
  return (outHi * 0x10_0000 + (outLo >>> 12) + 0.5) / 0x10_0000_0000_0000
}
