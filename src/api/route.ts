/**
 * A route binds an action's spec to its handler; the types make a handler's parameters and result
 * follow its spec exactly.
 */
import type { ActionContext } from '../actions/context.js'
import type { ActionSpec } from './spec/action.js'
import type { Output, Params, ParamShape, Shape } from './spec/dsl.js'

export type Handler<P extends ParamShape, R extends Readonly<Record<string, Shape>>> = (
  ctx: ActionContext,
  params: Params<P>,
) => Promise<Output<R>>

export interface Route {
  readonly spec: ActionSpec
  readonly handler: (ctx: ActionContext, params: Readonly<Record<string, unknown>>) => Promise<unknown>
}

export const route = <P extends ParamShape, R extends Readonly<Record<string, Shape>>>(
  spec: ActionSpec<P, R>,
  handler: Handler<P, R>,
): Route => ({ spec, handler: handler as unknown as Route['handler'] })

/** Routes by `${Version}/${Action}`. */
export class RouteTable {
  readonly #routes = new Map<string, Route>()

  constructor(routes: readonly Route[]) {
    for (const r of routes) {
      const key = `${r.spec.version}/${r.spec.name}`
      if (this.#routes.has(key)) throw new Error(`action registered twice: ${key}`)
      this.#routes.set(key, r)
    }
  }

  find(version: string, action: string): Route | undefined {
    return this.#routes.get(`${version}/${action}`)
  }

  hasVersion(version: string): boolean {
    for (const r of this.#routes.values()) if (r.spec.version === version) return true
    return false
  }

  get size(): number {
    return this.#routes.size
  }
}
