/** TagResources, UntagResources and ListTagResources (contract §2.6). */
import { tagCreateCountLimit } from '../../domain/errors.js'
import { TAG_RESOURCE_TYPES } from '../../domain/model.js'
import { SLB_VERSION, defineAction } from './action.js'
import { tagList } from './common.js'
import { p, r } from './dsl.js'

const resourceType = () => p.enum(TAG_RESOURCE_TYPES, { caseInsensitive: true }).required()
// At most 20 resources per call (contract §2.6, §6).
const resourceIds = () => p.list({ min: 1, max: 128 }, { maxItems: 20 })

export const TagResources = defineAction({
  name: 'TagResources',
  version: SLB_VERSION,
  region: 'required',
  params: {
    ResourceType: resourceType(),
    ResourceId: resourceIds().required(),
    // More than 20 tags in one call (contract §6); the resource total is checked by the action.
    Tag: tagList().invalid(tagCreateCountLimit).required(),
  },
  response: {},
})

export const UntagResources = defineAction({
  name: 'UntagResources',
  version: SLB_VERSION,
  region: 'required',
  params: {
    ResourceType: resourceType(),
    ResourceId: resourceIds().required(),
    TagKey: p.list({ min: 1, max: 128 }, { maxItems: 20 }),
    // Applies only when no TagKey is given (contract §2.6).
    All: p.bool().default(false),
  },
  response: {},
})

export const ListTagResources = defineAction({
  name: 'ListTagResources',
  version: SLB_VERSION,
  region: 'required',
  params: {
    ResourceType: resourceType(),
    ResourceId: resourceIds(),
    Tag: tagList(),
    NextToken: p.string({ max: 512 }),
  },
  response: {
    NextToken: r.string(),
    // Terraform requires this path even when empty (contract §2.6).
    TagResources: r.list(
      'TagResource',
      r.object({ ResourceType: r.string(), ResourceId: r.string(), TagKey: r.string(), TagValue: r.string() }),
    ),
  },
})
