/**
 * Choosing and opening the store: `--store` / OPENSLB_STORE, the server reporting its engine, and
 * (PostgreSQL) several nodes starting at once on one empty schema.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, configFromArgs } from '../../src/config.js'
import { openStore } from '../../src/store/open.js'
import { redactedUrl } from '../../src/store/postgres.js'
import { isUnreachable } from '../../src/store/unavailable.js'
import { startTestServer } from '../helpers/server.js'
import { leaseTestStore, testDialect } from '../helpers/store.js'

const URL_ = 'postgres://slb:s3cret@db.example:5433/openslb'

test('--store and OPENSLB_STORE name a PostgreSQL URL; sqlite or nothing keeps SQLite', () => {
  assert.equal(configFromArgs(['--store', URL_], {}).store, URL_)
  assert.equal(configFromArgs([], { OPENSLB_STORE: 'postgresql://h/db' }).store, 'postgresql://h/db')
  assert.equal(configFromArgs(['--store', URL_], { OPENSLB_STORE: 'postgres://other/db' }).store, URL_)
  assert.equal(configFromArgs([], {}).store, undefined)
  assert.equal(configFromArgs(['--store', 'sqlite'], {}).store, undefined)
  assert.equal(configFromArgs([], { OPENSLB_STORE: '' }).store, undefined)
  for (const bad of ['mysql://h/db', 'db.example:5432', 'postgres://']) {
    assert.throws(() => configFromArgs(['--store', bad], {}), (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.equal(err.message, 'invalid --store: expected sqlite or postgres://user:password@host:port/database')
      return true
    })
  }
})

test('--role and OPENSLB_ROLE choose what a node does; all by default', () => {
  assert.equal(configFromArgs([], {}).role, 'all')
  assert.equal(configFromArgs(['--role', 'api'], {}).role, 'api')
  assert.equal(configFromArgs([], { OPENSLB_ROLE: 'dataplane' }).role, 'dataplane')
  assert.throws(() => configFromArgs(['--role', 'proxy'], {}), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    assert.equal(err.message, 'invalid --role: proxy (expected all, api or dataplane)')
    return true
  })
})

test('errors of an unreachable database are told apart from the rest', () => {
  for (const err of [
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' }),
    Object.assign(new Error('connection failure'), { code: '08006', severity: 'FATAL' }),
    Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014', severity: 'ERROR' }),
    Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006', severity: 'ERROR' }),
  ]) {
    assert.equal(isUnreachable(err), true, err.message)
  }
  for (const err of [
    Object.assign(new Error('duplicate key'), { code: '23505' }),
    Object.assign(new Error('could not serialize access'), { code: '40001', severity: 'ERROR' }),
    Object.assign(new Error('bind message has 70000 parameters'), { code: '08P01', severity: 'ERROR' }),
    // A message may echo input; PostgreSQL's own errors are judged by their SQLSTATE only.
    Object.assign(new Error('invalid input syntax: "Connection terminated"'), { code: '22P02', severity: 'ERROR' }),
    new Error('some bug'),
    undefined,
  ]) {
    assert.equal(isUnreachable(err), false, String(err))
  }
})

test('the start-up banner shows the URL without its password', () => {
  assert.equal(redactedUrl(URL_), 'postgres://slb:***@db.example:5433/openslb')
  assert.equal(redactedUrl('postgres://h/db'), 'postgres://h/db')
})

test('the server reports the engine this suite runs on', async (t) => {
  const s = await startTestServer(t)
  const res = await fetch(`${s.endpoint}/_openslb/health`)
  const body = (await res.json()) as Record<string, unknown>
  assert.equal(body['store'], testDialect)
  assert.equal(s.server.store.dialect, testDialect)
})

test('nodes starting together on an empty schema migrate once and share it', {
  skip: testDialect === 'postgres' ? false : 'several nodes share one store only on PostgreSQL',
}, async (t) => {
  const lease = await leaseTestStore(t)
  t.after(() => lease.release())
  const stores = await Promise.all([1, 2, 3].map(() => openStore({ store: lease.store, dataDir: undefined })))
  t.after(() => Promise.all(stores.map((s) => s.close())))
  const [a, b, c] = stores
  const key = { accessKeyId: 'LTAIshared', secret: 'shared', accountId: 'acct-shared', status: 'Active' as const }
  // Every node bootstraps the same key at the same moment: one creates it, none fails.
  const created = await Promise.all(stores.map((s) => s.ensureAccessKey(key)))
  assert.equal(created.filter(Boolean).length, 1)
  assert.equal((await b!.findAccessKey('LTAIshared'))?.accountId, 'acct-shared')
  const scope = { accountId: 'acct-shared', regionId: 'cn-hangzhou' }
  const before = await c!.generation()
  await a!.write(scope, (repos) => repos.privateIps.claim('10.0.0.1', 'i-shared').then(() => undefined))
  assert.deepEqual(await c!.read(scope, (repos) => repos.privateIps.claimed()), ['10.0.0.1'])
  assert.equal(await b!.generation(), before + 1)
})
