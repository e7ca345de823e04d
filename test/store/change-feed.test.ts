/**
 * The change feed on its own, over a scripted change log: what it delivers after a notification,
 * what it skips (this node's commits, commits the data plane does not see), when it rereads
 * everything (too far behind, log pruned), and how it recovers a lost connection.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pino } from 'pino'
import { ChangeFeed, type ChangeRow, type ChangeSource } from '../../src/store/change-feed.js'
import net from 'node:net'
import { subscribeToChanges, type Subscription } from '../../src/store/postgres.js'
import type { DataplaneChange } from '../../src/store/touched.js'
import { eventually } from '../helpers/dataplane.js'

const logger = pino({ level: 'silent' })

/** A change log in memory with a notification channel the test drives. */
class ScriptedLog implements ChangeSource {
  rows: ChangeRow[] = []
  subscriptions = 0
  failSubscribe = 0
  notify: () => void = () => undefined
  lose: (err: Error) => void = () => undefined

  async subscribe(onNotify: () => void, onLost: (err: Error) => void): Promise<Subscription> {
    if (this.failSubscribe > 0) {
      this.failSubscribe -= 1
      throw new Error('connection refused')
    }
    this.subscriptions += 1
    this.notify = onNotify
    this.lose = onLost
    return { close: async () => undefined }
  }

  async changesSince(cursor: number, limit: number) {
    return {
      rows: this.rows.filter((r) => r.generation > cursor).slice(0, limit),
      oldest: this.rows[0]?.generation,
    }
  }

  commit(generation: number, change: DataplaneChange | undefined): void {
    this.rows.push({ generation, change })
  }
}

function feedOn(log: ScriptedLog, batch = 100) {
  const delivered: Array<[number, DataplaneChange]> = []
  const feed = new ChangeFeed(log, (g, c) => delivered.push([g, c]), logger, { pollMs: 60_000, batch, maxBackoffMs: 20 })
  return { feed, delivered }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

test('after a notification the feed delivers other nodes’ changes merged, skipping its own and data-plane-blind ones', async (t) => {
  const log = new ScriptedLog()
  log.commit(1, new Set(['lb-old']))
  const { feed, delivered } = feedOn(log)
  t.after(() => feed.close())
  await feed.start(async () => 1)
  await settle()
  assert.deepEqual(delivered, [], 'what the start-up read covered is not delivered again')

  log.commit(2, new Set(['lb-a']))
  log.commit(3, undefined)
  log.commit(4, new Set(['lb-mine']))
  log.commit(5, new Set(['lb-b', 'lb-a']))
  feed.local(4)
  log.notify()
  await eventually(() => delivered.length === 1, 'one delivery')
  assert.deepEqual(delivered, [[5, new Set(['lb-a', 'lb-b'])]])
  assert.equal(feed.state.generation, 5)

  log.commit(6, undefined)
  log.notify()
  await eventually(() => feed.state.generation === 6, 'the cursor passes a blind commit')
  assert.equal(delivered.length, 1, 'nothing to reread for it')
})

test('a node too far behind, or behind a pruned log, rereads everything', async (t) => {
  const log = new ScriptedLog()
  const { feed, delivered } = feedOn(log, 3)
  t.after(() => feed.close())
  await feed.start(async () => 0)
  for (let g = 1; g <= 5; g++) log.commit(g, new Set([`lb-${g}`]))
  log.notify()
  await eventually(() => feed.state.generation === 5, 'caught up')
  assert.deepEqual(delivered[0], [3, 'all'], 'a full batch means more may follow: everything is reread')

  const pruned = new ScriptedLog()
  const second = feedOn(pruned)
  t.after(() => second.feed.close())
  await second.feed.start(async () => 2)
  pruned.commit(9, new Set(['lb-9']))
  pruned.notify()
  await eventually(() => second.delivered.length === 1, 'delivered')
  assert.deepEqual(second.delivered, [[9, 'all']], 'generations 3–8 are gone from the log')
})

test('a lost connection is re-established with back-off, and what was missed meanwhile is delivered', async (t) => {
  const log = new ScriptedLog()
  const { feed, delivered } = feedOn(log)
  t.after(() => feed.close())
  await feed.start(async () => 0)
  assert.equal(feed.state.connected, true)

  log.failSubscribe = 2
  log.lose(new Error('terminated'))
  assert.equal(feed.state.connected, false)
  log.commit(1, 'all')
  await eventually(() => feed.state.connected, 'reconnected after two refused attempts')
  assert.equal(log.subscriptions, 2)
  await eventually(() => delivered.length === 1, 'caught up on reconnect')
  assert.deepEqual(delivered, [[1, 'all']])
})

test('a subscription that fails while connecting rejects and never also reports a lost connection', async (t) => {
  // Accepts and hangs up at once: what a proxy in front of a stopped PostgreSQL does.
  const server = net.createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as net.AddressInfo
  let lost = 0
  await assert.rejects(subscribeToChanges(`postgres://u@127.0.0.1:${port}/db`, () => undefined, () => (lost += 1)))
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(lost, 0, 'one failure, reported once: the feed then runs a single reconnect chain')
})
