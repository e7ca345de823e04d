/** Tags of any taggable resource, scoped by account; written with the resource's region. */
import type { Tag, TaggedResource, TagResourceType } from '../../domain/model.js'
import type { Scope } from '../../domain/scope.js'
import type { TagMatch, TagRepository } from '../repository.js'
import type { Executor } from './executor.js'

export class KyselyTags implements TagRepository {
  readonly #db: Executor
  readonly #scope: Scope

  constructor(db: Executor, scope: Scope) {
    this.#db = db
    this.#scope = scope
  }

  async put(resourceType: TagResourceType, resourceId: string, tags: readonly Tag[]): Promise<void> {
    if (tags.length === 0) return
    const now = Date.now()
    await this.#db
      .insertInto('tags')
      .values(
        tags.map((t) => ({
          account_id: this.#scope.accountId,
          region_id: this.#scope.regionId ?? '',
          resource_type: resourceType,
          resource_id: resourceId,
          tag_key: t.key,
          tag_value: t.value,
          created_at: now,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'resource_type', 'resource_id', 'tag_key'])
          .doUpdateSet((eb) => ({ tag_value: eb.ref('excluded.tag_value') })),
      )
      .execute()
  }

  async remove(resourceType: TagResourceType, resourceId: string, keys: readonly string[] | undefined): Promise<void> {
    let q = this.#db
      .deleteFrom('tags')
      .where('account_id', '=', this.#scope.accountId)
      .where('resource_type', '=', resourceType)
      .where('resource_id', '=', resourceId)
    if (keys !== undefined) {
      if (keys.length === 0) return
      q = q.where('tag_key', 'in', keys)
    }
    await q.execute()
  }

  async forResources(resourceType: TagResourceType, resourceIds: readonly string[]): Promise<Map<string, Tag[]>> {
    const out = new Map<string, Tag[]>()
    if (resourceIds.length === 0) return out
    const rows = await this.#db
      .selectFrom('tags')
      .where('account_id', '=', this.#scope.accountId)
      .where('resource_type', '=', resourceType)
      .where('resource_id', 'in', resourceIds)
      .select(['resource_id', 'tag_key', 'tag_value'])
      .orderBy('resource_id')
      .orderBy('created_at')
      .orderBy('tag_key')
      .execute()
    for (const row of rows) {
      const list = out.get(row.resource_id) ?? []
      list.push({ key: row.tag_key, value: row.tag_value })
      out.set(row.resource_id, list)
    }
    return out
  }

  async list(
    resourceType: TagResourceType,
    resourceIds: readonly string[] | undefined,
    match: readonly TagMatch[] | undefined,
    after: { readonly resourceId: string; readonly key: string } | undefined,
    limit: number,
  ): Promise<TaggedResource[]> {
    let q = this.#db
      .selectFrom('tags as t')
      .where('t.account_id', '=', this.#scope.accountId)
      .where('t.resource_type', '=', resourceType)
    if (this.#scope.regionId !== undefined) q = q.where('t.region_id', '=', this.#scope.regionId)
    if (resourceIds !== undefined) q = q.where('t.resource_id', 'in', [...resourceIds, ''])
    // A resource is listed when it carries every requested tag; all of its matching rows are shown.
    for (const m of match ?? []) {
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('tags as m')
            .select('m.tag_key')
            .whereRef('m.account_id', '=', 't.account_id')
            .whereRef('m.resource_type', '=', 't.resource_type')
            .whereRef('m.resource_id', '=', 't.resource_id')
            .where('m.tag_key', '=', m.key)
            .$if(m.value !== undefined, (sq) => sq.where('m.tag_value', '=', m.value ?? '')),
        ),
      )
    }
    if (match !== undefined && match.length > 0) q = q.where('t.tag_key', 'in', match.map((m) => m.key))
    if (after !== undefined) {
      q = q.where((eb) =>
        eb.or([
          eb('t.resource_id', '>', after.resourceId),
          eb.and([eb('t.resource_id', '=', after.resourceId), eb('t.tag_key', '>', after.key)]),
        ]),
      )
    }
    const rows = await q
      .select(['t.resource_id', 't.tag_key', 't.tag_value'])
      .orderBy('t.resource_id')
      .orderBy('t.tag_key')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ resourceType, resourceId: r.resource_id, key: r.tag_key, value: r.tag_value }))
  }
}
