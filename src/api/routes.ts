/** Every action this server answers, bound to its handler; one list per resource group. */
import { RouteTable } from './route.js'
import { backendServerRoutes } from './routes/backend-servers.js'
import { ecsRoutes } from './routes/ecs.js'
import { listenerRoutes } from './routes/listeners.js'
import { loadBalancerRoutes } from './routes/load-balancers.js'
import { regionRoutes } from './routes/regions.js'
import { tagRoutes } from './routes/tags.js'
import { vServerGroupRoutes } from './routes/vserver-groups.js'

export const routes = (): RouteTable =>
  new RouteTable([
    ...regionRoutes,
    ...loadBalancerRoutes,
    ...backendServerRoutes,
    ...vServerGroupRoutes,
    ...listenerRoutes,
    ...tagRoutes,
    ...ecsRoutes,
  ])
