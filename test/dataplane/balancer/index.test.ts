/**
 * The factory and the protocol table: every Scheduler a listener protocol accepts has a picker, and
 * the table says what contract §2.3 says (plus wlc, see domain/schedulers.ts).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  createPicker,
  QuicHashPicker,
  RrPicker,
  SourceHashPicker,
  TupleHashPicker,
  WlcPicker,
  WrrPicker,
} from '../../../src/dataplane/balancer/index.js'
import {
  DEFAULT_SCHEDULER,
  isSchedulerOf,
  SCHEDULER_NAMES,
  SCHEDULERS_BY_PROTOCOL,
} from '../../../src/domain/schedulers.js'
import { backends, countPicks, contexts } from './picker.contract.js'

test('createPicker builds the algorithm each Scheduler names', () => {
  const expected = {
    wrr: WrrPicker,
    rr: RrPicker,
    wlc: WlcPicker,
    sch: SourceHashPicker,
    tch: TupleHashPicker,
    qch: QuicHashPicker,
  }
  for (const name of SCHEDULER_NAMES) {
    const p = createPicker(name)
    assert.ok(p instanceof expected[name], name)
    assert.equal(p.pick({}), undefined)
    p.update(backends(3, 1))
    assert.equal(countPicks(p, contexts(100)).size > 0, true)
  }
  assert.notEqual(createPicker('wrr'), createPicker('wrr'))
})

test('Scheduler values per listener protocol (contract §2.3), wrr the default', () => {
  assert.equal(DEFAULT_SCHEDULER, 'wrr')
  assert.deepEqual(SCHEDULERS_BY_PROTOCOL, {
    tcp: ['wrr', 'rr', 'wlc', 'sch', 'tch'],
    udp: ['wrr', 'rr', 'wlc', 'sch', 'tch', 'qch'],
    http: ['wrr', 'rr', 'wlc'],
    https: ['wrr', 'rr', 'wlc'],
  })
  for (const protocol of ['tcp', 'udp', 'http', 'https'] as const) {
    assert.ok(isSchedulerOf(protocol, DEFAULT_SCHEDULER))
    for (const name of SCHEDULERS_BY_PROTOCOL[protocol]) assert.ok(SCHEDULER_NAMES.includes(name))
  }
  assert.equal(isSchedulerOf('tcp', 'qch'), false)
  assert.equal(isSchedulerOf('http', 'sch'), false)
  assert.equal(isSchedulerOf('udp', 'qch'), true)
  assert.equal(isSchedulerOf('tcp', ''), false)
})
