/**
 * The composition root: opens the store, ensures the bootstrap key, builds the app and starts
 * listening. Everything a running server is made of is wired here and nowhere else.
 */
import { mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { pino, type Logger } from 'pino'
import { createApp } from './api/app.js'
import { createHttpServer, type InternalRoute } from './api/http-server.js'
import { health } from './api/internal/health.js'
import { stats } from './api/internal/stats.js'
import { routes } from './api/routes.js'
import type { Config } from './config.js'
import { bootstrapKey, type BootstrapResult } from './credentials.js'
import { BuiltinDriver } from './dataplane/builtin/builtin-driver.js'
import type { HealthStatus } from './dataplane/driver.js'
import { Reconciler } from './dataplane/reconciler.js'
import type { KyselyStore } from './store/kysely-store.js'
import { openStore } from './store/open.js'

export const VERSION = '0.1.0'

export interface RunningServer {
  /** http://host:port of the API. */
  readonly endpoint: string
  readonly port: number
  readonly store: KyselyStore
  readonly bootstrap: BootstrapResult
  readonly logger: Logger
  readonly reconciler: Reconciler
  close(): Promise<void>
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly logger?: Logger
  /** Epoch milliseconds; tests inject a clock. */
  readonly now?: () => number
}

const NONCE_PURGE_MS = 60_000

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel })
  const now = options.now ?? Date.now
  const store = await openStore(config, {
    onPoolError: (err) => logger.warn({ err }, 'an idle PostgreSQL connection failed; the pool replaces it'),
  })
  // SQLite made the data directory; with PostgreSQL it holds only the credentials file.
  if (config.dataDir !== undefined) mkdirSync(config.dataDir, { recursive: true })
  const bootstrap = await bootstrapKey(store, config.dataDir, options.env ?? process.env)
  const startedAt = now()

  // The data plane converges on the store; listeners that were running come back here.
  const driver = new BuiltinDriver()
  const reconciler = new Reconciler(store, driver, logger)
  let relevant = 0
  store.onCommit((generation, change) => {
    if (change === undefined) return
    relevant = generation
    reconciler.notify(generation, change)
  })
  await reconciler.start()
  // One index per turn of the event loop: DescribeHealthStatus asks once per (listener, member).
  let index: Map<string, HealthStatus> | undefined
  const healthIndex = (): Map<string, HealthStatus> => {
    if (index === undefined) {
      index = new Map(driver.health().map((h) => [`${h.listenerKey}#${h.backendId}`, h.status]))
      setImmediate(() => (index = undefined))
    }
    return index
  }

  const app = createApp({
    config,
    store,
    routes: routes(),
    logger,
    now,
    settle: () => reconciler.settle(relevant),
    dataplane: {
      healthStatus: (listenerKey, backendId) => healthIndex().get(`${listenerKey}#${backendId}`) ?? 'unavailable',
    },
  })
  const internal = new Map<string, InternalRoute>([
    ['/_openslb/health', () => health({ version: VERSION, startedAt, store, dialect: store.dialect }, now())],
    ['/_openslb/stats', async () => stats(reconciler.appliedGeneration, driver.stats())],
  ])
  const server = createHttpServer({ app, internal, maxBodyBytes: config.maxBodyBytes, logger })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const purge = setInterval(() => {
    store.purgeNonces(now()).catch((err: unknown) => logger.warn({ err }, 'nonce purge failed'))
  }, NONCE_PURGE_MS)
  purge.unref()

  let closing: Promise<void> | undefined
  return {
    endpoint: `http://${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${port}`,
    port,
    store,
    bootstrap,
    logger,
    reconciler,
    close() {
      closing ??= (async () => {
        clearInterval(purge)
        await reconciler.close()
        await driver.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
        })
        await store.close()
      })()
      return closing
    },
  }
}
