/**
 * A throw-away PostgreSQL cluster for the cluster benchmark, made the way .ci/run makes the CI one:
 * initdb in a temp dir, loopback only, trust auth, no durability; a child of the benchmark, so it is
 * stopped (and its directory removed) at the end, on an error, on Ctrl-C, or when the benchmark dies.
 */
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { makeTempDir } from './openslb-server.js'
import { freePort, spawnProgram, stopChild, type SpawnedServer } from './processes.js'

const SETPRIV = '/usr/bin/setpriv'
/** Ports other people's clusters on this machine use. */
const TAKEN_PORTS = new Set([55439, 55440])
/** Settings of the CI cluster: nothing here outlives the run, so nothing is flushed to disk. */
export const POSTGRES_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] as const

export interface Postgres {
  readonly url: string
  /** The postmaster: its process tree is the server (every backend is its child). */
  readonly pid: number
  readonly version: string
  /** What the server logged so far (for error reports). */
  output(): string
  stop(): Promise<void>
}

/** The newest Debian PostgreSQL, or the one pg_config names. */
function findBin(): string {
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : []
  const dirs = versions.map((v) => `/usr/lib/postgresql/${v}/bin`)
  try {
    dirs.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim())
  } catch {
    // No pg_config: only the Debian directories.
  }
  const dir = dirs.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')))
  if (dir === undefined) throw new Error('no PostgreSQL binaries (initdb, postgres) found; apt-get install postgresql')
  return dir
}

/** initdb and postgres refuse to run as root: as root they run as the postgres user. */
function asPostgres(): readonly string[] {
  if (process.getuid?.() !== 0) return []
  return ['--reuid=postgres', '--regid=postgres', '--init-groups']
}

async function waitReady(server: SpawnedServer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!server.output().includes('database system is ready to accept connections')) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`postgres exited (${server.child.exitCode ?? server.child.signalCode}):\n${server.output()}`)
    }
    if (Date.now() > deadline) throw new Error(`postgres not ready within ${timeoutMs} ms:\n${server.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function startPostgres(): Promise<Postgres> {
  const bin = findBin()
  const dir = makeTempDir('openslb-bench-pg-')
  const user = asPostgres()
  if (user.length > 0) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' })))
    chownSync(dir, uid!, gid!)
  }
  // As root, setpriv changes user; the parent-death signal it sets after that change (which clears
  // spawnProgram's SIGTERM) is SIGQUIT: an immediate shutdown that does not wait for clients.
  const program = (file: string, args: readonly string[], deathSignal: boolean): [string, string[]] =>
    user.length === 0
      ? [file, [...args]]
      : [SETPRIV, [...user, ...(deathSignal ? ['--pdeathsig', 'QUIT'] : []), '--', file, ...args]]
  const data = join(dir, 'data')
  execFileSync(
    ...program(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      false,
    ),
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
  )
  let port = await freePort()
  while (TAKEN_PORTS.has(port)) port = await freePort()
  const settings = POSTGRES_SETTINGS.flatMap((s) => ['-c', s])
  const args = ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', dir, '-c', 'max_connections=100', ...settings]
  const server = spawnProgram(...program(join(bin, 'postgres'), args, true), { cwd: dir })
  await waitReady(server, 60_000)
  const text = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' })
  const version = /\(PostgreSQL\) (\S+)/.exec(text)?.[1] ?? text.trim()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid: server.child.pid!,
    version,
    output: () => server.output(),
    async stop() {
      // SIGINT: a fast shutdown (clients are cut); stopChild kills the group if it takes too long.
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGINT')
      await Promise.race([
        new Promise((resolve) => server.child.once('exit', resolve)),
        new Promise((resolve) => setTimeout(resolve, 10_000)),
      ])
      await stopChild(server.child)
    },
  }
}
