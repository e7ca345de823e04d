/** The `openslb` command: dispatches to serve or call. */
import { ConfigError } from '../config.js'
import { call } from './call.js'
import { serve } from './serve.js'

const USAGE = `usage: openslb <command> [options]

commands:
  serve   start the API server and data plane
          --listen HOST:PORT (127.0.0.1:9515)  --data-dir DIR (.openslb)
          --store postgres://USER:PASS@HOST:PORT/DB (sqlite: in the data dir)
          --address-pool CIDR (127.1.0.0/16)   --instance-pool CIDR (127.2.0.0/16)
          --log-level LEVEL (info)             --quota-load-balancers N (60)
          --quota-backend-servers N (200)      --max-backends-per-call N (40)
  call    make one signed API call: openslb call ACTION Key=Value ...
`

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve':
      await serve(rest)
      return -1
    case 'call':
      return call(rest)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE)
      return command === undefined ? 2 : 0
    default:
      process.stderr.write(`unknown command: ${command}\n${USAGE}`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code
  },
  (err: unknown) => {
    if (err instanceof ConfigError || (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`openslb: ${err.message}\n`)
      process.exitCode = 2
      return
    }
    process.stderr.write(`openslb: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exitCode = 1
  },
)
