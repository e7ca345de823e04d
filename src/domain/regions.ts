/**
 * The regions and zones this server answers for. RegionEndpoint follows the Go SDK's endpoint map:
 * the central `slb.aliyuncs.com` for the original regions, `slb.<region>.aliyuncs.com` elsewhere.
 */

export interface Zone {
  readonly id: string
  readonly localName: { readonly en: string; readonly zh: string }
}

export interface Region {
  readonly id: string
  readonly localName: { readonly en: string; readonly zh: string }
  readonly endpoint: string
  readonly zones: readonly Zone[]
}

const CENTRAL = new Set([
  'cn-qingdao',
  'cn-beijing',
  'cn-hangzhou',
  'cn-shanghai',
  'cn-shenzhen',
  'cn-hongkong',
  'ap-southeast-1',
  'us-west-1',
  'us-east-1',
])

const region = (id: string, en: string, zh: string, zoneLetters: string): Region => ({
  id,
  localName: { en, zh },
  endpoint: CENTRAL.has(id) ? 'slb.aliyuncs.com' : `slb.${id}.aliyuncs.com`,
  zones: [...zoneLetters].map((letter) => ({
    id: `${id}-${letter}`,
    localName: { en: `${en} Zone ${letter.toUpperCase()}`, zh: `${zh} 可用区${letter.toUpperCase()}` },
  })),
})

export const REGIONS: readonly Region[] = Object.freeze([
  region('cn-qingdao', 'China (Qingdao)', '华北1（青岛）', 'bc'),
  region('cn-beijing', 'China (Beijing)', '华北2（北京）', 'ghijk'),
  region('cn-zhangjiakou', 'China (Zhangjiakou)', '华北3（张家口）', 'abc'),
  region('cn-huhehaote', 'China (Hohhot)', '华北5（呼和浩特）', 'ab'),
  region('cn-wulanchabu', 'China (Ulanqab)', '华北6（乌兰察布）', 'abc'),
  region('cn-hangzhou', 'China (Hangzhou)', '华东1（杭州）', 'hijk'),
  region('cn-shanghai', 'China (Shanghai)', '华东2（上海）', 'efgl'),
  region('cn-shenzhen', 'China (Shenzhen)', '华南1（深圳）', 'cdef'),
  region('cn-heyuan', 'China (Heyuan)', '华南2（河源）', 'ab'),
  region('cn-guangzhou', 'China (Guangzhou)', '华南3（广州）', 'ab'),
  region('cn-chengdu', 'China (Chengdu)', '西南1（成都）', 'ab'),
  region('cn-hongkong', 'China (Hong Kong)', '中国香港', 'bcd'),
  region('ap-northeast-1', 'Japan (Tokyo)', '日本（东京）', 'abc'),
  region('ap-northeast-2', 'South Korea (Seoul)', '韩国（首尔）', 'a'),
  region('ap-southeast-1', 'Singapore', '新加坡', 'abc'),
  region('ap-southeast-3', 'Malaysia (Kuala Lumpur)', '马来西亚（吉隆坡）', 'ab'),
  region('ap-southeast-5', 'Indonesia (Jakarta)', '印度尼西亚（雅加达）', 'abc'),
  region('us-west-1', 'US (Silicon Valley)', '美国（硅谷）', 'ab'),
  region('us-east-1', 'US (Virginia)', '美国（弗吉尼亚）', 'ab'),
  region('eu-central-1', 'Germany (Frankfurt)', '德国（法兰克福）', 'ab'),
  region('eu-west-1', 'UK (London)', '英国（伦敦）', 'ab'),
  region('me-east-1', 'UAE (Dubai)', '阿联酋（迪拜）', 'a'),
])

const BY_ID = new Map(REGIONS.map((r) => [r.id, r]))

export const findRegion = (id: string): Region | undefined => BY_ID.get(id)
