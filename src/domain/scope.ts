/**
 * Every piece of state belongs to an account (from the AccessKey) and a region. The scope is the
 * first argument of every store call; a region of `undefined` means "any region of the account",
 * used only for lookups by a globally unique ID when the client sent no RegionId (contract §2.0).
 */
export interface Scope {
  readonly accountId: string
  readonly regionId: string | undefined
}

/** A scope that names its region: required for anything that creates a resource. */
export interface RegionScope extends Scope {
  readonly regionId: string
}
