/**
 * Round robin (`rr`, contract §2.3): "requests are distributed to backend servers in sequence",
 * every member an equal share whatever its weight.
 */
import { eligible, type PickContext, type Picker, type PickerBackend } from './picker.js'

/**
 * Strict rotation in the order of the last `update`. The rotation survives updates: the member that
 * was due next is still due next if it stays; if it left, the first member that followed it in the
 * old order and stayed is due instead. Members an update adds wait for the rotation to reach their
 * position. O(1) per pick.
 *
 * @example
 * const p = new RrPicker()
 * p.update([{ id: 'a', weight: 100 }, { id: 'b', weight: 1 }])
 * [p.pick({})?.id, p.pick({})?.id, p.pick({})?.id] // ['a', 'b', 'a']
 */
export class RrPicker<B extends PickerBackend = PickerBackend> implements Picker<B> {
  #members: B[] = []
  /** Index of the member the next pick returns. */
  #next = 0

  update(backends: readonly B[]): void {
    const members = eligible(backends)
    const position = new Map<string, number>()
    members.forEach((b, i) => position.set(b.id, i))
    const old = this.#members
    let next = 0
    for (let step = 0; step < old.length; step++) {
      const found = position.get((old[(this.#next + step) % old.length] as B).id)
      if (found !== undefined) {
        next = found
        break
      }
    }
    this.#members = members
    this.#next = next
  }

  pick(_ctx?: PickContext): B | undefined {
    const members = this.#members
    if (members.length === 0) return undefined
    const chosen = members[this.#next] as B
    this.#next = (this.#next + 1) % members.length
    return chosen
  }

  connected(_id: string): void {}
  disconnected(_id: string): void {}
}
