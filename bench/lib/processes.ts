/**
 * The benchmark's child processes: starting them, waiting for them, sampling their CPU, and killing
 * every one of them (and only them) at the end, on an error, or on SIGINT/SIGTERM.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { get } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'

const children = new Set<ChildProcess>()
/** Children that lead their own process group (spawnProgram): a hard kill takes their workers too. */
const groupLeaders = new Set<ChildProcess>()
const KILL_GRACE_MS = 3_000

// A child started without an IPC channel (the OpenSLB server) checks its parent and stops itself
// if the benchmark died without cleaning up (e.g. SIGKILL).
const ORPHAN_GUARD =
  'data:text/javascript,const p=process.ppid;' +
  'setInterval(()=>{if(process.ppid!==p)process.kill(process.pid,"SIGTERM")},500).unref()'

function track(child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** Forks a TypeScript module of bench/ through tsx, with an IPC channel. */
export function forkTs(file: string, cwd: string, nodeArgs: readonly string[] = []): ChildProcess {
  const execArgv = [...nodeArgs, '--import', 'tsx']
  return track(fork(file, [], { cwd, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
}

export interface SpawnedServer {
  readonly child: ChildProcess
  /** Everything it wrote so far (for error reports). */
  output(): string
}

/** Spawns `node <nodeArgs…>` with the orphan guard, capturing its output. */
export function spawnNode(
  nodeArgs: readonly string[],
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
): SpawnedServer {
  const child = track(
    spawn(process.execPath, ['--import', ORPHAN_GUARD, ...nodeArgs], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
  let output = ''
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return { child, output: () => output }
}

// util-linux's setpriv makes a program get SIGTERM when the benchmark dies, however it dies.
const SETPRIV = '/usr/bin/setpriv'

/**
 * Spawns a non-Node program (nginx, HAProxy, wrk, hey) in its own process group, capturing its
 * output; with setpriv present it is also sent SIGTERM if the benchmark itself dies.
 */
export function spawnProgram(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string },
): SpawnedServer {
  const [file, argv] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'TERM', '--', command, ...args]]
    : [command, [...args]]
  const child = track(spawn(file, argv, { cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }))
  groupLeaders.add(child)
  child.once('exit', () => groupLeaders.delete(child))
  let output = ''
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-200_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return { child, output: () => output }
}

/** SIGKILL to the child, and to its whole process group when it leads one. */
function killHard(child: ChildProcess): void {
  if (groupLeaders.has(child) && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL')
      return
    } catch {
      // The group is gone already; fall through to the child itself.
    }
  }
  child.kill('SIGKILL')
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the child has exited. */
export function stopChild(child: ChildProcess, graceMs = KILL_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => killHard(child), graceMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)))
}

/** Last resort from an exit handler: no waiting is possible there. */
export function killAllNow(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) killHard(child)
}

/** A port the kernel just handed out on 127.0.0.1 (then released for the child to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

/** Polls an unsigned GET until it answers 200, the child exits, or time runs out. */
export async function waitForHttp(url: string, server: SpawnedServer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`server exited (${server.child.exitCode}):\n${server.output()}`)
    const status = await new Promise<number>((resolve) => {
      const req = get(url, { timeout: 1_000 }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('timeout', () => req.destroy())
      req.on('error', () => resolve(0))
    })
    if (status === 200) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${server.output()}`)
}

let ticksPerSecond: number | undefined

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  // cpu  user nice system idle iowait irq softirq steal …
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number)
  const total = ticks.reduce((s, t) => s + t, 0)
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0)
  return { busy: (total - idle) / ticksPerSecond, total: total / ticksPerSecond }
}

/**
 * CPU seconds of a process and all its descendants (user + system, all threads), including what
 * the children they have already reaped used, so a load generator that exited between two samples
 * still counts.
 */
export function treeCpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  let ticks = 0
  const pending = [pid]
  const seen = new Set<number>()
  while (pending.length > 0) {
    const p = pending.pop()!
    if (seen.has(p)) continue
    seen.add(p)
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
      // utime, stime, cutime, cstime are fields 14–17.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const text = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim()
        if (text !== '') for (const child of text.split(' ')) pending.push(Number(child))
      }
    } catch {
      // The process ended while being read: what it used is now in its parent's cutime.
    }
  }
  return ticks / ticksPerSecond
}

/**
 * Stops everything once `seconds` have passed: no benchmark may outlive its budget. Returns the cancel,
 * for a benchmark run as one part of a longer one.
 */
export function hardTimeLimit(seconds: number, log: (line: string) => void): () => void {
  const timer = setTimeout(() => {
    log(`hard time limit of ${Math.round(seconds)} s reached: stopping everything`)
    killAllNow()
    process.exit(1)
  }, seconds * 1000).unref()
  return () => clearTimeout(timer)
}

/**
 * Runs one benchmark within its own hard time limit; when it ends, also on an error, every child
 * still running is stopped and `cleanUp` runs, so the next benchmark of a longer run starts clean.
 */
export async function withinBudget<T>(
  seconds: number,
  log: (line: string) => void,
  run: () => Promise<T>,
  cleanUp: () => void = () => {},
): Promise<T> {
  const cancel = hardTimeLimit(seconds, log)
  try {
    return await run()
  } finally {
    cancel()
    await stopAll()
    cleanUp()
  }
}

/** Whether the module at `moduleUrl` is the script node was started with (not imported by another). */
export const isMain = (moduleUrl: string): boolean =>
  process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href

/**
 * Runs a benchmark's main: `cleanUp` on exit, every child stopped on SIGINT/SIGTERM or failure,
 * exit code 1 on failure (130 on a signal).
 */
export function runBenchmark(
  name: string,
  main: () => Promise<unknown>,
  cleanUp: () => void,
  log: (line: string) => void,
): void {
  process.on('exit', cleanUp)
  let interrupted = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true
      log(`${signal}: stopping the child processes`)
      void stopAll().finally(() => process.exit(130))
    })
  }
  main().then(
    () => stopAll(),
    async (err: unknown) => {
      // Children killed by the signal handler make the run fail; that is not news.
      if (interrupted) return
      log(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
      await stopAll()
      process.exitCode = 1
    },
  )
}
