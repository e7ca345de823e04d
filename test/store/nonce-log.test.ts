/**
 * Nonce claims in one batch: each answered by whether it was new, including nonces another node
 * (another NonceLog on the same database, with nothing in memory) recorded first.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { migrateToLatest } from '../../src/store/migrate.js'
import { NonceLog } from '../../src/store/nonce-log.js'
import { openSqlite } from '../../src/store/sqlite.js'

test('a batch of claims: new ones true, ones another node recorded false, each once', async (t) => {
  const db = openSqlite(undefined)
  t.after(() => db.destroy())
  await migrateToLatest(db, 'sqlite')
  const later = Date.now() + 60_000
  const nodeA = new NonceLog(db)
  const nodeB = new NonceLog(db)
  const long = 'x'.repeat(300)

  assert.deepEqual(await Promise.all([nodeA.claim('k1', 'n1', later), nodeA.claim('k1', long, later)]), [true, true])
  // Claimed together in one batch on B: what A recorded is a replay, the rest is new.
  const claims = await Promise.all([
    nodeB.claim('k1', 'n1', later),
    nodeB.claim('k1', 'n2', later),
    nodeB.claim('k2', 'n1', later),
    nodeB.claim('k1', long, later),
  ])
  assert.deepEqual(claims, [false, true, true, false])
  // And within one node, a replay is refused from memory.
  assert.equal(await nodeB.claim('k1', 'n2', later), false)
})
