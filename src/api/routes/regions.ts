/** Routes: regions and zones. */
import * as regions from '../../actions/regions.js'
import { route, type Route } from '../route.js'
import * as spec from '../spec/regions.js'

export const regionRoutes: readonly Route[] = [
  route(spec.DescribeRegions, regions.describeRegions),
  route(spec.DescribeZones, regions.describeZones),
]
