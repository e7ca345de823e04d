/**
 * OpenSLB as the server under test: picks the build to run (dist/, rebuilt when src/ is newer, or src/
 * through tsx), starts `openslb serve` on 127.0.0.1 with a fresh data directory and access key, stops it;
 * and removes every temp directory a benchmark made, also when it stops on an error or a signal.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, killAllNow, spawnNode, stopChild, waitForHttp, type SpawnedServer } from './processes.js'
import type { AccessKey } from './signed-request.js'

export const HOST = '127.0.0.1'

export interface ServerBuild {
  readonly mode: 'dist' | 'tsx'
  /** How the build was chosen, for the report. */
  readonly note: string
}

export interface OpenSlb {
  readonly server: SpawnedServer
  readonly port: number
  readonly key: AccessKey
  readonly dataDir: string
}

export interface StartOptions {
  /** Before the entry point, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[]
  /** After `serve …`, e.g. `--quota-load-balancers 100`. */
  readonly serveArgs?: readonly string[]
  /** The access key to start with (nodes of one cluster share one); a fresh random one otherwise. */
  readonly key?: AccessKey
}

const log = (line: string): void => {
  process.stderr.write(line + '\n')
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

/** Builds dist/ when src/ is newer; falls back to running src through tsx when the build fails. */
export function chooseServerBuild(root: string, wanted: 'dist' | 'tsx'): ServerBuild {
  if (wanted === 'tsx') return { mode: 'tsx', note: 'src/ through tsx (--server tsx)' }
  const main = join(root, 'dist', 'cli', 'main.js')
  const built = statSync(main, { throwIfNoEntry: false })?.mtimeMs ?? 0
  if (built > 0 && built >= newestMtime(join(root, 'src'))) return { mode: 'dist', note: 'built dist/' }
  log('dist/ is older than src/: npm run build')
  const build = spawnSync('npm', ['run', 'build'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 300_000,
  })
  if (build.status === 0) return { mode: 'dist', note: 'built dist/ (rebuilt by this run)' }
  // tsc emits despite type errors; that JS is what tsx would run too.
  if ((statSync(main, { throwIfNoEntry: false })?.mtimeMs ?? 0) >= newestMtime(join(root, 'src'))) {
    log('npm run build reported type errors but emitted dist/: using it')
    return { mode: 'dist', note: 'dist/ emitted by this run (tsc reported type errors elsewhere)' }
  }
  log('build failed: running the server from src/ through tsx instead')
  return { mode: 'tsx', note: 'src/ through tsx (npm run build failed)' }
}

// Removed at exit even when a run fails half-way.
const tempDirs = new Set<string>()
/** Run directories (configs, logs, pid files) that OPENSLB_BENCH_KEEP=1 keeps for a post-mortem. */
const keepable = new Set<string>()

/** A new directory under the OS temp dir, deleted by `removeTempDirs`. */
export function makeTempDir(prefix: string, options: { readonly keepable?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  tempDirs.add(dir)
  if (options.keepable === true) keepable.add(dir)
  return dir
}

/** Deletes every temp directory still left; for the end of a benchmark and its exit handler. */
export function removeTempDirs(): void {
  const keep = process.env['OPENSLB_BENCH_KEEP'] !== undefined
  for (const dir of tempDirs) if (!(keep && keepable.has(dir))) rmSync(dir, { recursive: true, force: true })
  tempDirs.clear()
  keepable.clear()
}

/** The exit handler of every benchmark: no waiting is possible there. */
export function stopEverythingNow(): void {
  killAllNow()
  removeTempDirs()
}

/** The V8 flags `openslb` runs with (its shebang line), so the server measured is the one users run. */
export function binNodeFlags(root: string): string[] {
  const shebang = readFileSync(join(root, 'bin', 'openslb.js'), 'utf8').split('\n', 1)[0] ?? ''
  return shebang.match(/\bnode\s+(.*)$/)?.[1]?.split(/\s+/).filter((f) => f.startsWith('--')) ?? []
}

export async function startOpenSlb(root: string, build: ServerBuild, options: StartOptions = {}): Promise<OpenSlb> {
  const port = await freePort()
  const dataDir = makeTempDir('openslb-bench-')
  const key = options.key ?? {
    accessKeyId: 'LTAIbench' + randomBytes(8).toString('hex'),
    accessKeySecret: randomBytes(15).toString('hex'),
  }
  const entry = build.mode === 'dist' ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts']
  const server = spawnNode(
    [
      ...binNodeFlags(root),
      ...(options.nodeArgs ?? []),
      ...entry,
      'serve',
      '--listen',
      `${HOST}:${port}`,
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      ...(options.serveArgs ?? []),
    ],
    {
      cwd: root,
      env: { ...process.env, OPENSLB_ACCESS_KEY_ID: key.accessKeyId, OPENSLB_ACCESS_KEY_SECRET: key.accessKeySecret },
    },
  )
  await waitForHttp(`http://${HOST}:${port}/_openslb/health`, server, 30_000)
  return { server, port, key, dataDir }
}

export async function stopOpenSlb(slb: OpenSlb): Promise<void> {
  await stopChild(slb.server.child, 10_000)
  rmSync(slb.dataDir, { recursive: true, force: true })
  tempDirs.delete(slb.dataDir)
}
