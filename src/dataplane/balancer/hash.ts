/**
 * Consistent hashing (`sch`, `tch`, `qch`, contract §2.3) by weighted rendezvous hashing: every
 * member scores each key and the highest score takes it. The three schedulers differ only in the key.
 */
import { eligible, type PickContext, type Picker, type PickerBackend } from './picker.js'
import { Fnv1a64, mix64, mixToUnit } from './stable-hash.js'

/**
 * Weighted highest-random-weight hashing: member i scores a key `-weight_i / ln(u_i)` where `u_i` is
 * a uniform draw in (0, 1) from the stable hash of (key, member id). That score makes member i win a
 * random key with probability `weight_i / total`, so:
 * - shares follow weights over many keys;
 * - removing a member moves only the keys it held, adding one takes keys only for itself, and a weight
 *   change moves keys only to or from that member (every other pair's comparison is unchanged);
 * - a key maps to the same member in every picker instance, process and machine, whatever the order
 *   of the members (exact score ties, which need equal draws, go to the smaller id).
 * O(members) per pick, no table to rebuild on update.
 */
export abstract class RendezvousHashPicker<B extends PickerBackend = PickerBackend> implements Picker<B> {
  #members: B[] = []
  #memberHi = new Uint32Array(0)
  #memberLo = new Uint32Array(0)
  readonly #hash = new Fnv1a64()

  /** Feeds the scheduler's key for this connection into `hash`. */
  protected abstract key(ctx: PickContext, hash: Fnv1a64): void

  update(backends: readonly B[]): void {
    const members = eligible(backends)
    this.#memberHi = new Uint32Array(members.length)
    this.#memberLo = new Uint32Array(members.length)
    members.forEach((b, i) => {
      const h = this.#hash.reset().string(b.id)
      const [hi, lo] = mix64(h.hi, h.lo)
      this.#memberHi[i] = hi
      this.#memberLo[i] = lo
    })
    this.#members = members
  }

  pick(ctx: PickContext): B | undefined {
    const members = this.#members
    if (members.length <= 1) return members[0]
    const h = this.#hash.reset()
    this.key(ctx, h)
    const [keyHi, keyLo] = mix64(h.hi, h.lo)
    let best = -1
    let bestScore = -Infinity
    for (let i = 0; i < members.length; i++) {
      const member = members[i] as B
      const u = mixToUnit(keyHi ^ (this.#memberHi[i] as number), keyLo ^ (this.#memberLo[i] as number))
      const score = member.weight / -Math.log(u)
      if (score > bestScore || (score === bestScore && member.id < (members[best] as B).id)) {
        best = i
        bestScore = score
      }
    }
    return members[best]
  }

  connected(_id: string): void {}
  disconnected(_id: string): void {}
}

/**
 * Node reports IPv4 clients of a dual-stack socket as `::ffff:a.b.c.d`; hashing the plain form keeps a
 * client on the same backend whichever way the listener is bound.
 */
function plainIp(ip: string | undefined): string {
  if (ip === undefined) return ''
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
}

/** An address then its port; the NUL ends the address so no two (address, port) pairs share bytes. */
function feedEndpoint(hash: Fnv1a64, ip: string | undefined, port: number | undefined): void {
  hash.string(plainIp(ip)).byte(0).uint16(port ?? 0)
}

/**
 * `sch`: "requests from the same source IP address are distributed to the same backend server".
 *
 * @example
 * const p = new SourceHashPicker()
 * p.update([{ id: 'a', weight: 100 }, { id: 'b', weight: 100 }])
 * p.pick({ sourceIp: '10.0.0.7', sourcePort: 40001 }) === p.pick({ sourceIp: '10.0.0.7', sourcePort: 52000 }) // true
 */
export class SourceHashPicker<B extends PickerBackend = PickerBackend> extends RendezvousHashPicker<B> {
  protected key(ctx: PickContext, hash: Fnv1a64): void {
    hash.string(plainIp(ctx.sourceIp))
  }
}

/** `tch`: the four-tuple of source address and port, destination address and port. */
export class TupleHashPicker<B extends PickerBackend = PickerBackend> extends RendezvousHashPicker<B> {
  protected key(ctx: PickContext, hash: Fnv1a64): void {
    feedEndpoint(hash, ctx.sourceIp, ctx.sourcePort)
    feedEndpoint(hash, ctx.destinationIp, ctx.destinationPort)
  }
}

/**
 * `qch`: the QUIC connection ID, so a connection keeps its backend when the client's address changes;
 * a datagram without one (not QUIC, or unparsed) falls back to source address and port.
 */
export class QuicHashPicker<B extends PickerBackend = PickerBackend> extends RendezvousHashPicker<B> {
  protected key(ctx: PickContext, hash: Fnv1a64): void {
    if (ctx.connectionId !== undefined && ctx.connectionId.length > 0) hash.bytes(ctx.connectionId)
    else feedEndpoint(hash, ctx.sourceIp, ctx.sourcePort)
  }
}
