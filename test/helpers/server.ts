/**
 * Starts a real OpenSLB server on loopback for a test, and stops it when the test ends. It stores
 * its state on the engine OPENSLB_TEST_STORE names (helpers/store.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { pino } from 'pino'
import { testConfig, type Config } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/main.js'
import { leaseTestStore } from './store.js'

export interface TestServer {
  readonly server: RunningServer
  readonly endpoint: string
  readonly host: string
  readonly port: number
  readonly accessKeyId: string
  readonly accessKeySecret: string
  readonly dataDir: string | undefined
  /** The PostgreSQL URL the server keeps its state at (its schema on the search_path); undefined on SQLite. */
  readonly store: string | undefined
}

type Hook = Pick<TestContext, 'after'> | { after(fn: () => unknown): void }

export interface TestServerOptions {
  readonly config?: Partial<Config>
  /** Keep state in this directory (restart tests; on PostgreSQL, one schema per directory); default: in memory. */
  readonly dataDir?: string
  readonly accessKeyId?: string
  readonly accessKeySecret?: string
  readonly now?: () => number
}

let counter = 0

export async function startTestServer(t: Hook, options: TestServerOptions = {}): Promise<TestServer> {
  counter += 1
  const accessKeyId = options.accessKeyId ?? `LTAItest${process.pid}x${counter}`
  const accessKeySecret = options.accessKeySecret ?? `secret-${process.pid}-${counter}`
  const lease = await leaseTestStore(t, options.dataDir)
  const config = testConfig({
    listen: { host: '127.0.0.1', port: 0 },
    dataDir: options.dataDir,
    store: lease.store,
    ...options.config,
  })
  const server = await startServer(config, {
    env: { OPENSLB_ACCESS_KEY_ID: accessKeyId, OPENSLB_ACCESS_KEY_SECRET: accessKeySecret },
    logger: pino({ level: 'silent' }),
    ...(options.now === undefined ? {} : { now: options.now }),
  }).catch(async (err: unknown) => {
    await lease.release()
    throw err
  })
  t.after(async () => {
    await server.close()
    await lease.release()
  })
  return {
    server,
    endpoint: server.endpoint,
    host: '127.0.0.1',
    port: server.port,
    accessKeyId,
    accessKeySecret,
    dataDir: options.dataDir,
    store: lease.store,
  }
}

/** A fresh temporary directory, removed when the test ends. */
export function tempDir(t: Hook, prefix = 'openslb-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
