/**
 * The built `openslb` command as a user runs it: serve on a data dir, the bootstrap key printed
 * once and saved 0600, `openslb call` against it, clean shutdown on SIGTERM, and a restart that
 * keeps the key. Needs dist/ (npm test builds it first).
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { BIN, freePort, ROOT, serve as serveProcess, stop } from '../helpers/serve-process.js'
import { tempDir } from '../helpers/server.js'

const serve = (args: string[], cwd: string) => serveProcess(args, { cwd })

test('openslb serve prints the key once, saves it 0600, answers openslb call, stops on SIGTERM', async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'dist/ is missing: run npm run build')
  const cwd = tempDir(t)
  const dataDir = join(cwd, 'state')
  const port = await freePort()
  const listen = `127.0.0.1:${port}`
  const first = await serve(['--listen', listen, '--data-dir', dataDir], cwd)
  t.after(() => first.child.kill('SIGKILL'))
  assert.match(first.output(), new RegExp(`OpenSLB listening on http://127.0.0.1:${port}`))
  assert.match(first.output(), /Generated the bootstrap AccessKey/)
  const secret = /AccessKeySecret: (\S+)/.exec(first.output())?.[1]
  assert.ok(secret !== undefined)

  const file = join(dataDir, 'credentials')
  assert.equal(statSync(file).mode & 0o777, 0o600)
  assert.equal((JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)['accessKeySecret'], secret)

  const health = await fetch(`http://${listen}/_openslb/health`)
  assert.equal(health.status, 200)

  const call = spawnSync(process.execPath, [BIN, 'call', 'DescribeZones', 'RegionId=cn-hangzhou', '--endpoint', `http://${listen}`, '--data-dir', dataDir], {
    encoding: 'utf8',
    timeout: 15_000,
  })
  assert.equal(call.status, 0, call.stderr)
  assert.equal((JSON.parse(call.stdout) as Record<string, any>)['Zones']['Zone'][0]['ZoneId'], 'cn-hangzhou-h')

  const failing = spawnSync(process.execPath, [BIN, 'call', 'DescribeZones', '--method', 'POST', '--endpoint', `http://${listen}`, '--data-dir', dataDir], {
    encoding: 'utf8',
    timeout: 15_000,
  })
  assert.equal(failing.status, 1)
  assert.equal((JSON.parse(failing.stdout) as Record<string, string>)['Code'], 'MissingParameter')

  assert.equal(await stop(first.child), 0)

  const second = await serve(['--listen', listen, '--data-dir', dataDir], cwd)
  t.after(() => second.child.kill('SIGKILL'))
  assert.doesNotMatch(second.output(), /Generated/)
  assert.doesNotMatch(second.output(), new RegExp(secret))
  const again = spawnSync(process.execPath, [BIN, 'call', 'DescribeRegions', '--endpoint', `http://${listen}`, '--data-dir', dataDir], {
    encoding: 'utf8',
    timeout: 15_000,
  })
  assert.equal(again.status, 0, again.stderr)
  assert.equal(await stop(second.child), 0)
})

test('openslb rejects unknown flags and commands with a usage message', () => {
  const bad = spawnSync(process.execPath, [BIN, 'serve', '--nope'], { encoding: 'utf8', timeout: 15_000 })
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /openslb: .*--nope/)
  const unknown = spawnSync(process.execPath, [BIN, 'frobnicate'], { encoding: 'utf8', timeout: 15_000 })
  assert.equal(unknown.status, 2)
  assert.match(unknown.stderr, /unknown command/)
})
