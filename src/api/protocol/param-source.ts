/** A ParamSource over the decoded request parameters. */
import type { ParamSource } from '../spec/dsl.js'

export class MapParamSource implements ParamSource {
  readonly #params: ReadonlyMap<string, string>

  constructor(params: ReadonlyMap<string, string>) {
    this.#params = params
  }

  get(name: string): string | undefined {
    return this.#params.get(name)
  }

  namesWithPrefix(prefix: string): readonly string[] {
    const out: string[] = []
    for (const key of this.#params.keys()) if (key.startsWith(prefix)) out.push(key)
    return out
  }
}
