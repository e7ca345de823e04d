/** Every action this server answers, bound to its handler; one list per resource group. */
import { RouteTable } from './route.js'
import { ecsRoutes } from './routes/ecs.js'
import { loadBalancerRoutes } from './routes/load-balancers.js'
import { regionRoutes } from './routes/regions.js'
import { tagRoutes } from './routes/tags.js'

export const routes = (): RouteTable =>
  new RouteTable([...regionRoutes, ...loadBalancerRoutes, ...tagRoutes, ...ecsRoutes])
