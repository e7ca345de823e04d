/** `openslb serve`: start the server on the embedded defaults (or the given flags). */
import { configFromArgs } from '../config.js'
import { startServer } from '../main.js'
import { redactedUrl } from '../store/postgres.js'

export async function serve(argv: readonly string[]): Promise<void> {
  const config = configFromArgs(argv)
  const server = await startServer(config)
  const out = process.stdout
  const state =
    config.store === undefined ? `data: ${config.dataDir ?? 'in memory'}` : `store: ${redactedUrl(config.store)}`
  const role = config.role === 'all' ? '' : `, role: ${config.role}`
  out.write(`OpenSLB listening on ${server.endpoint} (${state}, LB addresses: ${config.addressPool.cidr}${role})\n`)
  const bootstrap = server.bootstrap
  if (bootstrap?.generated === true) {
    const { credentials, file } = bootstrap
    out.write(`Generated the bootstrap AccessKey (shown once${file === undefined ? '' : `; saved to ${file}`}):\n`)
    out.write(`  AccessKeyId:     ${credentials.accessKeyId}\n`)
    out.write(`  AccessKeySecret: ${credentials.accessKeySecret}\n`)
  } else if (bootstrap !== undefined) {
    out.write(`AccessKeyId: ${bootstrap.credentials.accessKeyId}\n`)
  }

  let stopping = false
  const stop = (signal: string): void => {
    // A second signal means now.
    if (stopping) process.exit(1)
    stopping = true
    server.logger.info({ signal }, 'shutting down')
    // Closing waits for the database; one that stopped answering must not keep the process alive.
    setTimeout(() => {
      server.logger.error('shutdown took longer than 15 s; exiting anyway')
      process.exit(1)
    }, 15_000).unref()
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.logger.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}
