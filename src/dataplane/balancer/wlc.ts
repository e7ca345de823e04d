/**
 * Weighted least connections (`wlc`): "requests are distributed based on the weights and the number
 * of connections to backend servers" — the member with the fewest active connections per unit of
 * weight takes the next one.
 */
import { eligible, type PickContext, type Picker, type PickerBackend } from './picker.js'

/**
 * Picks the member minimising `active / weight` (compared as `a·w' < a'·w`, exact on integers), as
 * IPVS wlc does. Members tied on that load share the pick by smooth weighted round robin, so at low
 * concurrency — every connection closed before the next opens, all loads 0 — traffic still splits by
 * weight instead of piling on the first member. O(members) per pick.
 *
 * Active counts belong to connections, not memberships: `connected`/`disconnected` count per id
 * whether or not the id is a member (a connection picked just before an update may report after it),
 * a count never goes below 0, and `disconnected` for an id without connections does nothing. A member
 * removed with open connections keeps its count while they drain, so if it comes back it is weighed
 * with them; once its last connection ends and it is not a member, nothing about it is kept.
 *
 * @example
 * const p = new WlcPicker()
 * p.update([{ id: 'a', weight: 1 }, { id: 'b', weight: 1 }])
 * p.connected('a')
 * p.pick({})?.id // 'b'
 */
export class WlcPicker<B extends PickerBackend = PickerBackend> implements Picker<B> {
  #members: B[] = []
  #position = new Map<string, number>()
  /** Open connections per member, aligned with #members so a pick reads no map. */
  #active: number[] = []
  /** Open connections of ids that are not members (removed while connections drain). */
  readonly #draining = new Map<string, number>()
  /** Smooth-WRR current weights, used only to break ties between equally loaded members. */
  #current: number[] = []
  /** Scratch list of the tied members' indexes, reused across picks. */
  #tied: number[] = []

  update(backends: readonly B[]): void {
    const members = eligible(backends)
    const position = new Map<string, number>()
    members.forEach((b, i) => position.set(b.id, i))
    const active = members.map(() => 0)
    const current = members.map(() => 0)
    this.#members.forEach((b, i) => {
      const at = position.get(b.id)
      const count = this.#active[i] ?? 0
      if (at !== undefined) {
        active[at] = count
        current[at] = this.#current[i] ?? 0
      } else if (count > 0) {
        this.#draining.set(b.id, count)
      }
    })
    for (const [id, count] of this.#draining) {
      const at = position.get(id)
      if (at === undefined) continue
      active[at] = count
      this.#draining.delete(id)
    }
    this.#members = members
    this.#position = position
    this.#active = active
    this.#current = current
  }

  pick(_ctx?: PickContext): B | undefined {
    const members = this.#members
    const activeOf = this.#active
    const tied = this.#tied
    tied.length = 0
    let leastActive = 0
    let leastWeight = 1
    for (let i = 0; i < members.length; i++) {
      const weight = (members[i] as B).weight
      const active = activeOf[i] as number
      if (tied.length === 0) {
        tied.push(i)
        leastActive = active
        leastWeight = weight
        continue
      }
      const lhs = active * leastWeight
      const rhs = leastActive * weight
      if (lhs < rhs) {
        tied.length = 0
        tied.push(i)
        leastActive = active
        leastWeight = weight
      } else if (lhs === rhs) {
        tied.push(i)
      }
    }
    if (tied.length === 0) return undefined
    if (tied.length === 1) return members[tied[0] as number]
    return members[this.#smoothAmong(tied)]
  }

  connected(id: string): void {
    const at = this.#position.get(id)
    if (at !== undefined) this.#active[at] = (this.#active[at] ?? 0) + 1
    else this.#draining.set(id, (this.#draining.get(id) ?? 0) + 1)
  }

  disconnected(id: string): void {
    const at = this.#position.get(id)
    if (at !== undefined) {
      const count = this.#active[at] ?? 0
      if (count > 0) this.#active[at] = count - 1
      return
    }
    const count = this.#draining.get(id)
    if (count === undefined) return
    // A removed member is forgotten once its last connection ends.
    if (count > 1) this.#draining.set(id, count - 1)
    else this.#draining.delete(id)
  }

  /** Connections counted for `id` (metrics, tests). */
  active(id: string): number {
    const at = this.#position.get(id)
    return at !== undefined ? (this.#active[at] ?? 0) : (this.#draining.get(id) ?? 0)
  }

  /** One smooth-WRR step restricted to the tied members (see wrr.ts); ties there go to position. */
  #smoothAmong(tied: readonly number[]): number {
    const current = this.#current
    let total = 0
    let best = -1
    let bestCurrent = -Infinity
    for (const i of tied) {
      const weight = (this.#members[i] as B).weight
      const c = (current[i] as number) + weight
      current[i] = c
      total += weight
      if (c > bestCurrent) {
        best = i
        bestCurrent = c
      }
    }
    current[best] = bestCurrent - total
    return best
  }
}
