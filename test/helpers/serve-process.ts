/**
 * The built `openslb serve` as a child process (needs dist/; npm test builds it first): started
 * with the given flags, ready once its banner is out, stopped — or killed — by the test.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = join(ROOT, 'bin', 'openslb.js')

// The banner ends with the secret when the key was generated, with the key id otherwise.
const KEY_BANNER = /AccessKeySecret: \S+\n|^AccessKeyId: \S+\n/m

export interface ServeProcess {
  readonly child: ChildProcess
  output(): string
}

export interface ServeOptions {
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  /** Printed once the server is up (default: the end of the key banner). */
  readonly ready?: RegExp
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })

/** Starts `openslb serve ARGS`, resolving once it printed `ready`; fails after 15 s. */
export function serve(args: readonly string[], options: ServeOptions = {}): Promise<ServeProcess> {
  const env = { ...process.env, OPENSLB_ACCESS_KEY_ID: '', OPENSLB_ACCESS_KEY_SECRET: '', ...options.env }
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: options.cwd ?? ROOT, env })
  const ready = options.ready ?? KEY_BANNER
  let out = ''
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`serve did not start: ${out}`))
    }, 15_000)
    const check = (): void => {
      if (ready.test(out)) {
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

/** Stops the process with `signal` (SIGKILL after 10 s) and resolves with its exit code. */
export const stop = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.removeAllListeners('exit')
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
    child.kill(signal)
  })
