/**
 * The reconciler with a scripted store and driver: a change another node committed before this
 * node's own, but heard of after it, is still applied (its generation is below the applied one).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pino } from 'pino'
import type { Driver } from '../../src/dataplane/driver.js'
import { Reconciler } from '../../src/dataplane/reconciler.js'
import type { DataplaneSnapshot } from '../../src/dataplane/snapshot.js'
import type { DataplaneRows } from '../../src/store/repository.js'
import { eventually } from '../helpers/dataplane.js'

test('a change with a generation below the applied one is reread all the same', async (t) => {
  const reads: Array<string[] | 'all'> = []
  const source = {
    async readDataplane(only?: ReadonlySet<string>): Promise<DataplaneRows> {
      reads.push(only === undefined ? 'all' : [...only].sort())
      return { generation: 10, listeners: [], members: new Map(), servers: new Map() }
    },
  }
  const applied: DataplaneSnapshot[] = []
  const driver: Driver = {
    async apply(snapshot) {
      applied.push(snapshot)
      return { generation: snapshot.generation, failed: [] }
    },
    health: () => [],
    stats: () => [],
    close: async () => undefined,
  }
  const reconciler = new Reconciler(source, driver, pino({ level: 'silent' }))
  t.after(() => reconciler.close())
  await reconciler.start()
  reconciler.notify(10, new Set(['lb-mine']))
  await reconciler.settle(10)
  assert.equal(reconciler.appliedGeneration, 10)

  reconciler.notify(9, new Set(['lb-theirs']))
  await eventually(() => reads.length === 3, 'a third read')
  assert.deepEqual(reads, ['all', ['lb-mine'], ['lb-theirs']])
  assert.equal(reconciler.appliedGeneration, 10)
})
