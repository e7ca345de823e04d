/** DescribeRegions and DescribeZones: the static catalogue in domain/regions.ts. */
import type { Handler } from '../api/route.js'
import type * as spec from '../api/spec/regions.js'
import { findRegion, REGIONS } from '../domain/regions.js'
import type { ActionContext } from './context.js'

type Spec<K extends keyof typeof spec> = (typeof spec)[K]
type H<K extends keyof typeof spec> = Handler<Spec<K>['params'], Spec<K>['response']>

const language = (ctx: ActionContext, asked: string | undefined): 'en' | 'zh' =>
  asked === undefined ? ctx.language : asked.toLowerCase().startsWith('zh') ? 'zh' : 'en'

export const describeRegions: H<'DescribeRegions'> = async (ctx, p) => {
  const lang = language(ctx, p.AcceptLanguage)
  return {
    Regions: REGIONS.map((region) => ({
      RegionId: region.id,
      LocalName: region.localName[lang],
      RegionEndpoint: region.endpoint,
    })),
  }
}

// Every zone may serve as primary; its slaves are the region's other zones.
export const describeZones: H<'DescribeZones'> = async (ctx, p) => {
  const lang = language(ctx, p.AcceptLanguage)
  const region = findRegion(ctx.scope.regionId ?? '')
  const zones = region?.zones ?? []
  return {
    Zones: zones.map((zone) => ({
      ZoneId: zone.id,
      LocalName: zone.localName[lang],
      SlaveZones: zones
        .filter((other) => other.id !== zone.id)
        .map((other) => ({ ZoneId: other.id, LocalName: other.localName[lang] })),
    })),
  }
}
