/**
 * The change feed's payload: which load balancers a commit changed for the data plane, so nodes
 * that did not make the change reread only those (NULL: nothing the data plane forwards, '*': all).
 */
import type { Kysely, Migration } from 'kysely'

export const changeFeed = (): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('change_log').addColumn('load_balancers', 'text').execute()
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('change_log').dropColumn('load_balancers').execute()
  },
})
