/**
 * Runs tasks one at a time per key, in arrival order. The store uses it on PostgreSQL so that writes
 * of one account on this node queue up instead of racing each other into serialization failures.
 */
export class Turns {
  readonly #tails = new Map<string, Promise<void>>()

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve()
    const result = previous.then(task)
    const tail = result.then(
      () => undefined,
      () => undefined,
    )
    this.#tails.set(key, tail)
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    })
    return result
  }
}
