/** Routes: tags. */
import type { Route } from '../route.js'

export const tagRoutes: readonly Route[] = []
