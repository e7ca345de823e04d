/**
 * The retry rule for write transactions PostgreSQL aborted: which failures run the transaction
 * again, how often, and what the caller sees when the attempts are spent.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SlbError } from '../../src/domain/errors.js'
import { retryConflicts, type RetryPolicy } from '../../src/store/retry.js'

const FAST: RetryPolicy = { attempts: 4, baseDelayMs: 0, maxDelayMs: 0 }

const failing = (code: string, times: number) => {
  let calls = 0
  const attempt = async (): Promise<string> => {
    calls += 1
    if (calls <= times) throw Object.assign(new Error(`sqlstate ${code}`), { code })
    return `done after ${calls}`
  }
  return { attempt, calls: () => calls }
}

test('serialization failures, deadlocks and unique violations run the transaction again', async () => {
  for (const code of ['40001', '40P01', '23505']) {
    const run = failing(code, 3)
    assert.equal(await retryConflicts(run.attempt, FAST), 'done after 4', code)
    assert.equal(run.calls(), 4, code)
  }
})

test('a race lost on every attempt is ServiceIsConfiguring, which clients retry', async () => {
  for (const code of ['40001', '40P01']) {
    const run = failing(code, Infinity)
    const err = await retryConflicts(run.attempt, FAST).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof SlbError)
    assert.equal(err.code, 'ServiceIsConfiguring')
    assert.equal(err.httpStatus, 400)
    assert.equal(err.message, 'A previous configuration is pending; please try again later.')
    assert.equal(run.calls(), FAST.attempts)
  }
})

test('a unique violation that persists is a fault, thrown as it is; other errors are not retried', async () => {
  const duplicate = failing('23505', Infinity)
  await assert.rejects(retryConflicts(duplicate.attempt, FAST), { code: '23505' })
  assert.equal(duplicate.calls(), FAST.attempts)

  for (const code of ['23503', '22001', 'SQLITE_CONSTRAINT_PRIMARYKEY']) {
    const other = failing(code, Infinity)
    await assert.rejects(retryConflicts(other.attempt, FAST), { code })
    assert.equal(other.calls(), 1, code)
  }
  const refused = async () => {
    throw new SlbError('InvalidParameter', 400, 'The specified Address is already in use.')
  }
  await assert.rejects(retryConflicts(refused, FAST), { code: 'InvalidParameter' })
})
