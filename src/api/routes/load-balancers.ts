/** Routes: load balancers. */
import type { Route } from '../route.js'

export const loadBalancerRoutes: readonly Route[] = []
