/**
 * The data-plane benchmark's C processes: the nginx backends and the peer proxies (HAProxy, nginx),
 * each a foreground child with its configuration and pid file in the run's temp dir, set up as in
 * perf-baselines §2.1–2.2; also reads the backends' request counters, and reloads the nginx proxy with
 * new weights (the reconfiguration pass).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { connect, createServer, type AddressInfo } from 'node:net'
import { createSocket } from 'node:dgram'
import { join } from 'node:path'
import { spawnProgram, type SpawnedServer } from './processes.js'

/** `backend=N ` + 80 × `x` + newline: 91 bytes, as in perf-baselines §2.1. */
export const bodyOf = (n: number): string => `backend=${n} ${'x'.repeat(80)}\n`
/** The path OpenSLB's HTTP health check requests; logged on its own so it can be told apart from traffic. */
export const HEALTH_PATH = '/__hc'
const STATUS_PATH = '/__status'
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so'

export interface Endpoint {
  readonly host: string
  readonly port: number
}

/** A port the kernel just handed out on `host` for TCP or UDP (then released for the child to bind). */
export function freePortOn(host: string, kind: 'tcp' | 'udp'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (kind === 'tcp') {
      const probe = createServer()
      probe.once('error', reject)
      probe.listen(0, host, () => {
        const { port } = probe.address() as AddressInfo
        probe.close(() => resolve(port))
      })
      return
    }
    const probe = createSocket('udp4')
    probe.once('error', reject)
    probe.bind(0, host, () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/** Fails early, with the missing pieces named, when a program the benchmark runs is absent. */
export function missingPrograms(): string[] {
  const missing: string[] = []
  for (const program of ['wrk', 'hey', 'haproxy', 'nginx']) {
    if (spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status !== 0) missing.push(program)
  }
  if (!existsSync(STREAM_MODULE)) missing.push('libnginx-mod-stream')
  return missing
}

/** Debian package names of the missing programs. */
export const packagesFor = (missing: readonly string[]): string[] => [...new Set(missing)]

/**
 * Installs the Debian packages when something is missing and we are root; returns why not otherwise.
 * `apt-get update` runs first only when the install fails without it.
 */
export function installMissing(log: (line: string) => void): string | undefined {
  const missing = missingPrograms()
  if (missing.length === 0) return undefined
  if (process.getuid?.() !== 0) {
    return `missing ${missing.join(', ')} and not root: run \`apt-get install -y ${packagesFor(missing).join(' ')}\``
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = (): number | null =>
    spawnSync('apt-get', ['install', '-y', '-q', ...packagesFor(missing)], { stdio: 'inherit', env, timeout: 300_000 })
      .status
  log(`installing ${packagesFor(missing).join(' ')} (Debian packages)`)
  if (install() !== 0) {
    log('apt-get install failed: apt-get update, then again')
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env, timeout: 300_000 })
    if (install() !== 0) return `apt-get install -y ${packagesFor(missing).join(' ')} failed`
  }
  const still = missingPrograms()
  return still.length === 0 ? undefined : `still missing after apt-get install: ${still.join(', ')}`
}

export function versions(): Record<string, string> {
  const first = (cmd: string, args: string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' })
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim() !== '')?.trim() ?? '?'
  }
  const pkg = (name: string): string => {
    const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8' })
    return r.status === 0 ? r.stdout.trim() : '?'
  }
  return {
    wrk: `wrk ${pkg('wrk')}`,
    hey: `hey ${pkg('hey')}`,
    haproxy: first('haproxy', ['-v']).replace(/ - https.*$/, ''),
    nginx: `nginx ${pkg('nginx')} + libnginx-mod-stream ${pkg('libnginx-mod-stream')}`,
  }
}

/** Temp paths Debian's nginx would otherwise put under /var/lib/nginx. */
const tempPaths = (dir: string): string =>
  ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir}/tmp_${k};`).join('\n')

const canConnect = (ep: Endpoint): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: ep.host, port: ep.port, timeout: 1_000 })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })

/** Waits until every endpoint accepts a TCP connection, or fails with the program's output. */
export async function waitForTcp(endpoints: readonly Endpoint[], server: SpawnedServer, what: string): Promise<void> {
  const deadline = Date.now() + 15_000
  for (const ep of endpoints) {
    while (!(await canConnect(ep))) {
      if (server.child.exitCode !== null) {
        throw new Error(`${what} exited (${server.child.exitCode}):\n${server.output()}`)
      }
      if (Date.now() > deadline) throw new Error(`${what} did not listen on ${ep.host}:${ep.port}:\n${server.output()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

async function startNginx(dir: string, config: string, ready: readonly Endpoint[]): Promise<SpawnedServer> {
  mkdirSync(dir, { recursive: true })
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, config)
  const server = spawnProgram(
    'nginx',
    ['-p', dir, '-c', conf, '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
    { cwd: dir },
  )
  await waitForTcp(ready, server, `nginx (${conf})`)
  return server
}

export interface NginxBackend extends Endpoint {
  /** 1, 2, 3: the s1/s2/s3 of the tables. */
  readonly index: number
  readonly dir: string
  readonly server: SpawnedServer
  /** Status polls made so far: each one is a request the counter includes. */
  polls: number
}

/** One nginx backend per host (one worker each), answering the 91-byte body on a free port. */
export async function startBackends(root: string, hosts: readonly string[]): Promise<NginxBackend[]> {
  const backends: NginxBackend[] = []
  for (const [i, host] of hosts.entries()) {
    const index = i + 1
    const dir = join(root, `backend-${index}`)
    const port = await freePortOn(host, 'tcp')
    const config = `worker_processes 1;
pid ${dir}/nginx.pid;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 65;
${tempPaths(dir)}
  server {
    listen ${host}:${port} backlog=4096;
    location / { default_type text/plain; add_header X-Backend ${index}; return 200 "${bodyOf(index).trimEnd()}\\n"; }
    location = ${STATUS_PATH} { stub_status; }
    location = ${HEALTH_PATH} { access_log ${dir}/hc.log; default_type text/plain; return 200 "ok\\n"; }
  }
}
`
    const server = await startNginx(dir, config, [{ host, port }])
    backends.push({ index, host, port, dir, server, polls: 0 })
  }
  return backends
}

function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 5_000, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve(text))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 5 s`)))
    req.on('error', reject)
  })
}

/**
 * Requests a backend has served other than status polls and OpenSLB's HTTP health checks (logged to
 * hc.log): the difference of two readings is the proxied traffic in between.
 */
export async function servedRequests(b: NginxBackend): Promise<number> {
  const text = await getText(`http://${b.host}:${b.port}${STATUS_PATH}`)
  b.polls += 1
  const m = /\n\s*(\d+)\s+(\d+)\s+(\d+)\s*\n/.exec(text)
  if (m === null) throw new Error(`unexpected stub_status from backend ${b.index}: ${text}`)
  const hcLog = join(b.dir, 'hc.log')
  const probes = existsSync(hcLog) ? readFileSync(hcLog, 'utf8').split('\n').length - 1 : 0
  return Number(m[3]) - b.polls - probes
}

export interface PeerTargets {
  readonly http: Endpoint
  readonly tcp: Endpoint
}

const haproxyServers = (backends: readonly Endpoint[], weights: readonly number[]): string =>
  backends.map((b, i) => `  server s${i + 1} ${b.host}:${b.port} weight ${weights[i]}`).join('\n')

/** HAProxy in http mode and tcp mode, roundrobin, default threads (perf-baselines §2.2). */
export async function startHaproxy(
  dir: string,
  backends: readonly Endpoint[],
  weights: readonly number[],
): Promise<{ server: SpawnedServer } & PeerTargets> {
  mkdirSync(dir, { recursive: true })
  const http = { host: '127.0.0.1', port: await freePortOn('127.0.0.1', 'tcp') }
  const tcp = { host: '127.0.0.1', port: await freePortOn('127.0.0.1', 'tcp') }
  const cfg = join(dir, 'haproxy.cfg')
  writeFileSync(
    cfg,
    `global
  maxconn 8000
defaults
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe_http
  mode http
  option http-keep-alive
  bind ${http.host}:${http.port}
  default_backend be_http
backend be_http
  mode http
  option http-keep-alive
  balance roundrobin
${haproxyServers(backends, weights)}
listen l4
  mode tcp
  bind ${tcp.host}:${tcp.port}
  balance roundrobin
${haproxyServers(backends, weights)}
`,
  )
  const server = spawnProgram('haproxy', ['-db', '-f', cfg, '-p', join(dir, 'haproxy.pid')], { cwd: dir })
  await waitForTcp([http, tcp], server, 'haproxy')
  return { server, http, tcp }
}

// nginx rejects weight=0, so weight 0 is written as `down` (perf-baselines §2.2).
const nginxServers = (backends: readonly Endpoint[], weights: readonly number[]): string =>
  backends
    .map((b, i) => `    server ${b.host}:${b.port} ${weights[i]! > 0 ? `weight=${weights[i]}` : 'down'};`)
    .join('\n')

export interface NginxProxy extends PeerTargets {
  readonly server: SpawnedServer
  readonly udp: Endpoint
  /**
   * Rewrites the configuration with `weights` and reloads it (SIGHUP to the master); resolves once the
   * master has started the new generation of workers (the old ones then finish their connections).
   */
  reload(weights: readonly number[]): Promise<void>
}

/** The nginx master's child processes (its workers, and old ones still shutting down after a reload). */
function childrenOf(pid: number): number[] {
  const out: number[] = []
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
    if (text !== '') out.push(...text.split(' ').map(Number))
  }
  return out
}

/** nginx: http proxy with upstream keepalive, stream (TCP) and stream UDP, `worker_processes auto`. */
export async function startNginxProxy(
  dir: string,
  backends: readonly Endpoint[],
  udpBackends: readonly Endpoint[],
  weights: readonly number[],
): Promise<NginxProxy> {
  const http = { host: '127.0.0.1', port: await freePortOn('127.0.0.1', 'tcp') }
  const tcp = { host: '127.0.0.1', port: await freePortOn('127.0.0.1', 'tcp') }
  const udp = { host: '127.0.0.1', port: await freePortOn('127.0.0.1', 'udp') }
  const config = (w: readonly number[]): string => `load_module ${STREAM_MODULE};
worker_processes auto;
pid ${dir}/nginx.pid;
events { worker_connections 8192; }
http {
  access_log off;
${tempPaths(dir)}
  upstream be {
${nginxServers(backends, w)}
    keepalive 128;
    keepalive_requests 10000000;
  }
  server {
    listen ${http.host}:${http.port} backlog=4096;
    keepalive_requests 10000000;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
stream {
  upstream be4 {
${nginxServers(backends, w)}
  }
  upstream beu {
${nginxServers(udpBackends, w)}
  }
  server { listen ${tcp.host}:${tcp.port} backlog=4096; proxy_pass be4; }
  server { listen ${udp.host}:${udp.port} udp; proxy_pass beu; proxy_responses 1; proxy_timeout 5s; }
}
`
  const server = await startNginx(dir, config(weights), [http, tcp])
  // setpriv execs nginx, so the child is the master itself.
  const master = server.child.pid!
  // Counted at the first reload, when the workers have long been started (not right after listening).
  let workers: number | undefined
  const reload = async (w: readonly number[]): Promise<void> => {
    const before = new Set(childrenOf(master))
    workers ??= Math.max(1, before.size)
    writeFileSync(join(dir, 'nginx.conf'), config(w))
    process.kill(master, 'SIGHUP')
    const deadline = Date.now() + 10_000
    while (childrenOf(master).filter((pid) => !before.has(pid)).length < workers) {
      if (server.child.exitCode !== null) throw new Error(`nginx exited on reload:\n${server.output()}`)
      if (Date.now() > deadline) throw new Error(`nginx did not start new workers within 10 s:\n${server.output()}`)
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
  }
  return { server, http, tcp, udp, reload }
}
