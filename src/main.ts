/**
 * The composition root: opens the store, ensures the bootstrap key, builds the app and starts
 * listening. Everything a running server is made of is wired here and nowhere else.
 */
import type { AddressInfo } from 'node:net'
import { pino, type Logger } from 'pino'
import { createApp } from './api/app.js'
import { createHttpServer, type InternalRoute } from './api/http-server.js'
import { health } from './api/internal/health.js'
import { routes } from './api/routes.js'
import type { Config } from './config.js'
import { bootstrapKey, type BootstrapResult } from './credentials.js'
import { KyselyStore } from './store/kysely-store.js'
import { openSqlite } from './store/sqlite.js'

export const VERSION = '0.1.0'

export interface RunningServer {
  /** http://host:port of the API. */
  readonly endpoint: string
  readonly port: number
  readonly store: KyselyStore
  readonly bootstrap: BootstrapResult
  readonly logger: Logger
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
  const store = await KyselyStore.open(openSqlite(config.dataDir), 'sqlite')
  const bootstrap = await bootstrapKey(store, config.dataDir, options.env ?? process.env)
  const startedAt = now()

  const app = createApp({ config, store, routes: routes(), logger, now })
  const internal = new Map<string, InternalRoute>([
    ['/_openslb/health', () => health({ version: VERSION, startedAt, store, dialect: store.dialect }, now())],
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
    close() {
      closing ??= (async () => {
        clearInterval(purge)
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
