/**
 * An action's description: its wire name, API version, parameters and response shape, and how the
 * request is scoped by RegionId. Every action is described exactly once, in spec/<group>.ts.
 */
import type { ParamShape, Shape } from './dsl.js'

export type ApiVersion = '2014-05-15' | '2014-05-26'
export const SLB_VERSION: ApiVersion = '2014-05-15'
export const ECS_VERSION: ApiVersion = '2014-05-26'

/**
 * How RegionId scopes the call: `required` (META marks it required), `optional` (absent means any
 * region of the account, for lookups by globally unique ID), or `none` (not scoped by region).
 */
export type RegionRule = 'required' | 'optional' | 'none'

export interface ActionSpec<P extends ParamShape = ParamShape, R extends Readonly<Record<string, Shape>> = Readonly<Record<string, Shape>>> {
  readonly name: string
  readonly version: ApiVersion
  readonly region: RegionRule
  readonly params: P
  readonly response: R
}

/** Declares an action; the const type parameters keep every field's type for Params/Output. */
export const defineAction = <const P extends ParamShape, const R extends Readonly<Record<string, Shape>>>(
  spec: ActionSpec<P, R>,
): ActionSpec<P, R> => Object.freeze(spec)
