/**
 * Smooth weighted round robin (`wrr`, the default Scheduler, contract §2.3): every pick adds each
 * member's weight to its current weight, takes the largest and subtracts the total from it.
 */
import { eligible, type PickContext, type Picker, type PickerBackend } from './picker.js'

/**
 * Smooth WRR as nginx schedules upstream peers. Over any `sum(weights)` consecutive picks each member
 * is picked exactly `weight` times, and picks interleave: at every point of the rotation each member's
 * count is within two picks of `n · weight / total`, where a plain WRR would let a weight-100 member
 * take 100 picks in a row (5/1/1 gives a a b a c a a). Ties go to the earlier position. O(members)
 * per pick.
 *
 * A member's current weight is its lag behind its fair share, measured in units of 1/total picks.
 * `update` keeps the lag of members that stay (rescaled to the new total, so a member that was half a
 * pick behind stays half a pick behind) and starts new members at zero. Guarantee after an update:
 * every member stays within two picks of its new fair share counted from the update, and after at most
 * one new cycle every `total` consecutive picks are exact again. Keeping current weights unscaled would
 * not bound that: removing a weight-100 member next to two weight-1 members would let one of them take
 * dozens of picks in a row. An update that changes nothing changes nothing.
 *
 * @example
 * const p = new WrrPicker()
 * p.update([{ id: 'a', weight: 5 }, { id: 'b', weight: 1 }, { id: 'c', weight: 1 }])
 * p.pick({})?.id // 'a'
 */
export class WrrPicker<B extends PickerBackend = PickerBackend> implements Picker<B> {
  #members: B[] = []
  #current: number[] = []
  #total = 0

  update(backends: readonly B[]): void {
    const members = eligible(backends)
    const total = members.reduce((sum, b) => sum + b.weight, 0)
    const previous = new Map<string, number>()
    this.#members.forEach((b, i) => previous.set(b.id, this.#current[i] ?? 0))
    const scale = this.#total > 0 ? total / this.#total : 1
    this.#current = members.map((b) => {
      const current = previous.get(b.id)
      return current === undefined ? 0 : Math.round(current * scale)
    })
    this.#members = members
    this.#total = total
  }

  pick(_ctx?: PickContext): B | undefined {
    const members = this.#members
    const current = this.#current
    let best = -1
    let bestCurrent = -Infinity
    for (let i = 0; i < members.length; i++) {
      const c = (current[i] as number) + (members[i] as B).weight
      current[i] = c
      if (c > bestCurrent) {
        best = i
        bestCurrent = c
      }
    }
    if (best < 0) return undefined
    current[best] = bestCurrent - this.#total
    return members[best]
  }

  connected(_id: string): void {}
  disconnected(_id: string): void {}
}
