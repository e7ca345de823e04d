/**
 * OpenSLB as the server under test: picks the build to run (dist/, rebuilt when src/ is newer, or src/
 * through tsx), starts `openslb serve` on 127.0.0.1 with a fresh data directory and access key, stops it.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, spawnNode, stopChild, waitForHttp, type SpawnedServer } from './processes.js'
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

/** Deletes every data directory still left; for the benchmark's exit handler. */
export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
  tempDirs.clear()
}

export async function startOpenSlb(root: string, build: ServerBuild, options: StartOptions = {}): Promise<OpenSlb> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'openslb-bench-'))
  tempDirs.add(dataDir)
  const key = {
    accessKeyId: 'LTAIbench' + randomBytes(8).toString('hex'),
    accessKeySecret: randomBytes(15).toString('hex'),
  }
  const entry = build.mode === 'dist' ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts']
  const server = spawnNode(
    [
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
