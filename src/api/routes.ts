/** Every action this server answers, bound to its handler. */
import * as regions from '../actions/regions.js'
import { route, RouteTable } from './route.js'
import * as regionSpecs from './spec/regions.js'

export const routes = (): RouteTable =>
  new RouteTable([
    route(regionSpecs.DescribeRegions, regions.describeRegions),
    route(regionSpecs.DescribeZones, regions.describeZones),
  ])
