/** Routes: ECS subset (Version 2014-05-26). */
import type { Route } from '../route.js'

export const ecsRoutes: readonly Route[] = []
