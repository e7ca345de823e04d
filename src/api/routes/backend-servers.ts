/** Routes: the default server group of a load balancer. */
import * as backends from '../../actions/backend-servers.js'
import { route, type Route } from '../route.js'
import * as spec from '../spec/backend-servers.js'

export const backendServerRoutes: readonly Route[] = [
  route(spec.AddBackendServers, backends.addBackendServers),
  route(spec.SetBackendServers, backends.setBackendServers),
  route(spec.RemoveBackendServers, backends.removeBackendServers),
]
