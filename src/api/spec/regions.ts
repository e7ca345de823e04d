/** DescribeRegions and DescribeZones (contract §2.2). */
import { SLB_VERSION, defineAction } from './action.js'
import { p, r } from './dsl.js'

export const DescribeRegions = defineAction({
  name: 'DescribeRegions',
  version: SLB_VERSION,
  region: 'optional',
  params: {
    AcceptLanguage: p.string(),
  },
  response: {
    Regions: r.list('Region', r.object({ RegionId: r.string(), LocalName: r.string(), RegionEndpoint: r.string() })),
  },
})

export const DescribeZones = defineAction({
  name: 'DescribeZones',
  version: SLB_VERSION,
  region: 'required',
  params: {
    AcceptLanguage: p.string(),
  },
  response: {
    Zones: r.list(
      'Zone',
      r.object({
        ZoneId: r.string(),
        LocalName: r.string(),
        SlaveZones: r.list('SlaveZone', r.object({ ZoneId: r.string(), LocalName: r.string() })),
      }),
    ),
  },
})
