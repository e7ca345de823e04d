/** Tags on the wire: `{TagKey, TagValue}` items and ListTagResources rows (contract §2.2, §2.6). */
import type { Tag, TaggedResource } from '../../domain/model.js'

export const presentTag = (tag: Tag) => ({ TagKey: tag.key, TagValue: tag.value })

export const presentTaggedResource = (row: TaggedResource) => ({
  ResourceType: row.resourceType,
  ResourceId: row.resourceId,
  TagKey: row.key,
  TagValue: row.value,
})
