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
import { apiNotServed } from './domain/errors.js'
import { ChangeFeed } from './store/change-feed.js'
import type { KyselyStore } from './store/kysely-store.js'
import { openStore } from './store/open.js'

export const VERSION = '0.1.0'

export interface RunningServer {
  /** http://host:port of the API. */
  readonly endpoint: string
  readonly port: number
  readonly store: KyselyStore
  /** The bootstrap key; a data-plane-only node answers no API call and has none. */
  readonly bootstrap: BootstrapResult | undefined
  readonly logger: Logger
  /** The data plane's reconciler; an API-only node has none. */
  readonly reconciler: Reconciler | undefined
  close(): Promise<void>
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly logger?: Logger
  /** Epoch milliseconds; tests inject a clock. */
  readonly now?: () => number
}

const NONCE_PURGE_MS = 60_000
// Generations kept in the change log; a node further behind than this rereads everything.
const CHANGE_LOG_KEEP = 10_000

/** The data plane of a node: the driver, the reconciler that feeds it, and the feed of other nodes' commits. */
interface Dataplane {
  readonly driver: BuiltinDriver
  readonly reconciler: Reconciler
  readonly feed: ChangeFeed | undefined
  /** Resolves once every data-plane-relevant commit of this node is in force. */
  settle(): Promise<void>
  close(): Promise<void>
}

// A data plane that cannot apply (its database went away right after the commit) must not hold
// API answers for ever: the change is committed, and the reconciler keeps retrying it.
const SETTLE_LIMIT_MS = 10_000

function settleWithin(settled: Promise<void>, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.warn('answering before the data plane applied the change: it has not within 10 s; it keeps trying')
      resolve()
    }, SETTLE_LIMIT_MS)
  })
  return Promise.race([settled, late]).finally(() => clearTimeout(timer))
}

async function startDataplane(config: Config, store: KyselyStore, logger: Logger): Promise<Dataplane> {
  const driver = new BuiltinDriver()
  const reconciler = new Reconciler(store, driver, logger)
  let relevant = 0
  // On PostgreSQL other nodes commit too; SQLite has one writer, this process.
  const feed =
    store.dialect === 'postgres'
      ? new ChangeFeed(store, (generation, change) => reconciler.notify(generation, change), logger, {
          pollMs: config.feedPollMs,
        })
      : undefined
  store.onCommit((generation, change) => {
    feed?.local(generation)
    if (change === undefined) return
    // Commit callbacks of different accounts may run out of order; the target never goes back.
    relevant = Math.max(relevant, generation)
    reconciler.notify(generation, change)
  })
  // Listeners that were running come back here; with a feed, nothing committed meanwhile is missed.
  const initialRead = async (): Promise<number> => {
    await reconciler.start()
    return reconciler.appliedGeneration
  }
  if (feed === undefined) await initialRead()
  else await feed.start(initialRead)
  return {
    driver,
    reconciler,
    feed,
    settle: () =>
      reconciler.appliedGeneration >= relevant ? Promise.resolve() : settleWithin(reconciler.settle(relevant), logger),
    async close() {
      await feed?.close()
      await reconciler.close()
      await driver.close()
    },
  }
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel })
  const now = options.now ?? Date.now
  const store = await openStore(config, {
    onPoolError: (err) => logger.warn({ err }, 'an idle PostgreSQL connection failed; the pool replaces it'),
  })
  const servesApi = config.role !== 'dataplane'
  // SQLite made the data directory; with PostgreSQL it holds only the credentials file.
  if (config.dataDir !== undefined && servesApi) mkdirSync(config.dataDir, { recursive: true })
  const bootstrap = servesApi ? await bootstrapKey(store, config.dataDir, options.env ?? process.env) : undefined
  const startedAt = now()

  const dataplane = config.role === 'api' ? undefined : await startDataplane(config, store, logger)
  // One index per turn of the event loop: DescribeHealthStatus asks once per (listener, member).
  let index: Map<string, HealthStatus> | undefined
  const healthIndex = (): Map<string, HealthStatus> => {
    if (index === undefined) {
      index = new Map((dataplane?.driver.health() ?? []).map((h) => [`${h.listenerKey}#${h.backendId}`, h.status]))
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
    ...(dataplane === undefined ? {} : { settle: dataplane.settle }),
    ...(servesApi ? {} : { refuse: apiNotServed() }),
    dataplane: {
      healthStatus: (listenerKey, backendId) => healthIndex().get(`${listenerKey}#${backendId}`) ?? 'unavailable',
    },
  })
  const healthInfo = { version: VERSION, startedAt, store, dialect: store.dialect, role: config.role }
  const internal = new Map<string, InternalRoute>([
    [
      '/_openslb/health',
      () =>
        health(
          {
            ...healthInfo,
            appliedGeneration: dataplane?.reconciler.appliedGeneration,
            feed: dataplane?.feed?.state,
          },
          now(),
        ),
    ],
    ['/_openslb/stats', async () => stats(dataplane?.reconciler.appliedGeneration ?? -1, dataplane?.driver.stats() ?? [])],
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
    store.pruneChangeLog(CHANGE_LOG_KEEP).catch((err: unknown) => logger.warn({ err }, 'change log prune failed'))
  }, NONCE_PURGE_MS)
  purge.unref()

  let closing: Promise<void> | undefined
  return {
    endpoint: `http://${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${port}`,
    port,
    store,
    bootstrap,
    logger,
    reconciler: dataplane?.reconciler,
    close() {
      closing ??= (async () => {
        clearInterval(purge)
        await dataplane?.close()
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
