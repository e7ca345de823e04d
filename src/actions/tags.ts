/**
 * TagResources, UntagResources and ListTagResources over every taggable resource type, and the tag
 * rules CreateLoadBalancer shares (contract §2.5 tag limits, §2.6).
 */
import type { Handler } from '../api/route.js'
import type { ParamShape, Shape } from '../api/spec/dsl.js'
import type * as spec from '../api/spec/tags.js'
import {
  invalidParameter,
  invalidTagKey,
  invalidTagValue,
  loadBalancerNotFound,
  resourceNotFound,
  tagCountLimit,
  type SlbError,
} from '../domain/errors.js'
import { parseListenerResourceId } from '../domain/listener.js'
import type { Tag, TagResourceType } from '../domain/model.js'
import type { Repositories, TagMatch } from '../store/repository.js'
import { presentTaggedResource } from './present/tags.js'

type H<S extends { params: ParamShape; response: Readonly<Record<string, Shape>> }> = Handler<
  S['params'],
  S['response']
>

/** How one resource type is found, and the error for a missing one. */
interface Taggable {
  exists(repos: Repositories, id: string): Promise<boolean>
  readonly notFound: () => SlbError
}

// A type without an entry has no resources, so every ResourceId of it is not found.
const TAGGABLE: Partial<Record<TagResourceType, Taggable>> = {
  instance: {
    exists: async (repos, id) => (await repos.loadBalancers.get(id)) !== undefined,
    notFound: loadBalancerNotFound,
  },
  // Terraform tags and reads every alicloud_slb_server_group here (contract §7.1). A missing group is
  // the generic missing resource: the call names a ResourceId, not a VServerGroupId.
  vservergroup: {
    exists: async (repos, id) => (await repos.serverGroups.getGroup(id)) !== undefined,
    notFound: resourceNotFound,
  },
  // A listener's ResourceId is `<lbId>_<protocol>_<port>` (contract §2.3, §6).
  listener: {
    exists: async (repos, id) => {
      const key = parseListenerResourceId(id)
      return key !== undefined && (await repos.listeners.get(key.loadBalancerId, key.protocol, key.port)) !== undefined
    },
    notFound: resourceNotFound,
  },
}

const requireResources = async (repos: Repositories, type: TagResourceType, ids: readonly string[]): Promise<void> => {
  const kind = TAGGABLE[type]
  for (const id of ids) {
    if (kind === undefined) throw resourceNotFound()
    if (!(await kind.exists(repos, id))) throw kind.notFound()
  }
}

// Key: 1–64 characters, no http:// or https://, not starting with aliyun or acs: (contract §2.5).
const validKey = (key: string): boolean => {
  const length = [...key].length
  return length >= 1 && length <= 64 && !/https?:\/\//i.test(key) && !/^(aliyun|acs:)/i.test(key)
}

type TagParam = Readonly<Partial<Record<'Key' | 'Value', string>>>

/**
 * `Tag.N.Key` / `Tag.N.Value` to tags, checked; a key given twice keeps its last value, as a
 * later TagResources would overwrite it (contract §2.6).
 */
export const tagsFromParams = (items: readonly TagParam[]): Tag[] => {
  const byKey = new Map<string, string>()
  for (const item of items) {
    const key = item.Key
    if (key === undefined || !validKey(key)) throw invalidTagKey()
    // The Go SDK drops empty values (contract §2.0), so an absent value is the empty one.
    const value = item.Value ?? ''
    if ([...value].length > 128) throw invalidTagValue()
    byKey.delete(key)
    byKey.set(key, value)
  }
  return [...byKey].map(([key, value]) => ({ key, value }))
}

/** `Tag.N` as a filter: a key alone matches any value. */
export const tagMatchesFromParams = (items: readonly TagParam[] | undefined, name = 'Tag'): TagMatch[] =>
  (items ?? []).map((item) => {
    if (item.Key === undefined || item.Key === '') throw invalidParameter(`${name}.N.Key`)
    return { key: item.Key, value: item.Value }
  })

const unique = (ids: readonly string[]): string[] => [...new Set(ids)]

// Tags never change what the data plane forwards, so their writes skip its rebuild.
const NOT_DATAPLANE = { affectsDataplane: false } as const

export const tagResources: H<typeof spec.TagResources> = async (ctx, p) => {
  const tags = tagsFromParams(p.Tag)
  const ids = unique(p.ResourceId)
  if (ids.length === 0) throw invalidParameter('ResourceId')
  const limit = ctx.config.quotas.tagsPerResource
  await ctx.store.write(ctx.scope, async (repos) => {
    await requireResources(repos, p.ResourceType, ids)
    const current = await repos.tags.forResources(p.ResourceType, ids)
    for (const id of ids) {
      const keys = new Set((current.get(id) ?? []).map((t) => t.key))
      for (const t of tags) keys.add(t.key)
      if (keys.size > limit) throw tagCountLimit()
    }
    for (const id of ids) await repos.tags.put(p.ResourceType, id, tags)
  }, NOT_DATAPLANE)
  return {}
}

export const untagResources: H<typeof spec.UntagResources> = async (ctx, p) => {
  const ids = unique(p.ResourceId)
  if (ids.length === 0) throw invalidParameter('ResourceId')
  // `All` counts only without TagKey; with neither nothing is removed (contract §2.6).
  const keys = p.TagKey !== undefined && p.TagKey.length > 0 ? p.TagKey : p.All ? undefined : []
  await ctx.store.write(ctx.scope, async (repos) => {
    await requireResources(repos, p.ResourceType, ids)
    for (const id of ids) await repos.tags.remove(p.ResourceType, id, keys)
  }, NOT_DATAPLANE)
  return {}
}

// ListTagResources has no page-size parameter; 50 rows covers one resource's 20 tags, which
// matters because Terraform reads only the first page (contract §2.6).
const LIST_PAGE = 50

interface Cursor {
  readonly resourceId: string
  readonly key: string
}

const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify([c.resourceId, c.key])).toString('base64url')

const decodeCursor = (token: string): Cursor => {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      return { resourceId: value[0] as string, key: value[1] as string }
    }
  } catch {
    // fall through to the error below
  }
  throw invalidParameter('NextToken')
}

export const listTagResources: H<typeof spec.ListTagResources> = async (ctx, p) => {
  const after = p.NextToken === undefined ? undefined : decodeCursor(p.NextToken)
  const match = tagMatchesFromParams(p.Tag)
  const ids = p.ResourceId === undefined || p.ResourceId.length === 0 ? undefined : unique(p.ResourceId)
  const rows = await ctx.store.read(ctx.scope, (repos) =>
    repos.tags.list(p.ResourceType, ids, match.length === 0 ? undefined : match, after, LIST_PAGE + 1),
  )
  const page = rows.slice(0, LIST_PAGE)
  const last = page[page.length - 1]
  return {
    NextToken: rows.length > LIST_PAGE && last !== undefined ? encodeCursor(last) : '',
    TagResources: page.map(presentTaggedResource),
  }
}
