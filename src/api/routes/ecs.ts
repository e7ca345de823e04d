/** Routes: ECS subset (Version 2014-05-26). */
import * as instances from '../../actions/instances.js'
import * as enis from '../../actions/network-interfaces.js'
import { route, type Route } from '../route.js'
import * as spec from '../spec/ecs.js'

export const ecsRoutes: readonly Route[] = [
  route(spec.RunInstances, instances.runInstances),
  route(spec.DescribeInstances, instances.describeInstances),
  route(spec.StartInstance, instances.startInstance),
  route(spec.StopInstance, instances.stopInstance),
  route(spec.DeleteInstance, instances.deleteInstance),
  route(spec.CreateNetworkInterface, enis.createNetworkInterface),
  route(spec.DescribeNetworkInterfaces, enis.describeNetworkInterfaces),
  route(spec.DeleteNetworkInterface, enis.deleteNetworkInterface),
]
