/**
 * The built `openslb` command as a user runs it: serve on a data dir, the bootstrap key printed
 * once and saved 0600, `openslb call` against it, clean shutdown on SIGTERM, and a restart that
 * keeps the key. Needs dist/ (npm test builds it first).
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/server.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = join(ROOT, 'bin', 'openslb.js')

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })

/** Starts `openslb serve`, resolving with its output once it prints that it listens. */
function serve(args: string[], cwd: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd, env: { ...process.env, OPENSLB_ACCESS_KEY_ID: '', OPENSLB_ACCESS_KEY_SECRET: '' } })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`serve did not start: ${out}`))
    }, 15_000)
    const check = (): void => {
      // The banner ends with the secret when the key was generated, with the key id otherwise.
      if (/AccessKeySecret: \S+\n/.test(out) || /^AccessKeyId: \S+\n/m.test(out)) {
        clearTimeout(timer)
        child.stdout!.off('data', check)
        resolve({ child, output: () => out })
      }
    }
    child.stdout!.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}: ${out}`))
    })
  })
}

const stop = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode)
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.removeAllListeners('exit')
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
    child.kill('SIGTERM')
  })

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
