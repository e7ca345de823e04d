/**
 * Parameters shared by many actions (contract §2.0, §2.6). Owner parameters are accepted and
 * ignored, so they are not declared: unknown parameters are ignored anyway.
 */
import { p } from './dsl.js'

/** `Tag.N.Key` / `Tag.N.Value`, at most 20 (contract §2.5 tag limits). */
export const tagList = () => p.structList(['Key', 'Value'] as const, { maxItems: 20 })
