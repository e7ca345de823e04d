/**
 * `openslb call ACTION Key=Value …`: one V1-signed call from the command line, printing the
 * response body. The key comes from OPENSLB_ACCESS_KEY_ID/SECRET or <data-dir>/credentials.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { v1Signature, v1StringToSign } from '../api/auth/signature-v1.js'
import { routes } from '../api/routes.js'
import { ECS_VERSION, SLB_VERSION } from '../api/spec/action.js'
import { ConfigError, DEFAULTS } from '../config.js'
import { credentialsFile, readCredentialsFile, type Credentials } from '../credentials.js'

const USAGE = `usage: openslb call ACTION [Key=Value ...] [--endpoint URL] [--version V] [--method GET|POST]
                   [--format JSON|XML] [--data-dir DIR]`

export async function call(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      endpoint: { type: 'string' },
      version: { type: 'string' },
      method: { type: 'string' },
      format: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  })
  const [action, ...pairs] = positionals
  if (action === undefined) {
    process.stderr.write(USAGE + '\n')
    return 2
  }
  const params: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) {
      process.stderr.write(`not a Key=Value pair: ${pair}\n${USAGE}\n`)
      return 2
    }
    params[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  const credentials = loadCredentials(values['data-dir'] ?? env['OPENSLB_DATA_DIR'] ?? DEFAULTS.dataDir!, env)
  const endpoint = values.endpoint ?? env['OPENSLB_ENDPOINT'] ?? `http://${DEFAULTS.listen.host}:${DEFAULTS.listen.port}`
  const version = values.version ?? guessVersion(action)
  const method = (values.method ?? 'GET').toUpperCase()
  const all: Record<string, string> = {
    Format: values.format ?? 'JSON',
    Version: version,
    AccessKeyId: credentials.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Action: action,
    ...params,
  }
  const signature = v1Signature(credentials.accessKeySecret, v1StringToSign(method, Object.entries(all)))
  const encoded = new URLSearchParams({ ...all, Signature: signature }).toString()
  const base = endpoint.replace(/\/+$/, '')
  const response =
    method === 'GET'
      ? await fetch(`${base}/?${encoded}`)
      : await fetch(`${base}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: encoded,
        })
  const text = await response.text()
  process.stdout.write(prettyJson(text) + '\n')
  return response.ok ? 0 : 1
}

function guessVersion(action: string): string {
  const table = routes()
  if (table.find(SLB_VERSION, action) === undefined && table.find(ECS_VERSION, action) !== undefined) return ECS_VERSION
  return SLB_VERSION
}

function loadCredentials(dataDir: string, env: NodeJS.ProcessEnv): Credentials {
  const id = env['OPENSLB_ACCESS_KEY_ID']
  const secret = env['OPENSLB_ACCESS_KEY_SECRET']
  if (id !== undefined && id !== '' && secret !== undefined && secret !== '') {
    return { accessKeyId: id, accessKeySecret: secret, accountId: '' }
  }
  const file = credentialsFile(dataDir)
  if (!existsSync(file)) {
    throw new ConfigError(
      `no credentials: set OPENSLB_ACCESS_KEY_ID and OPENSLB_ACCESS_KEY_SECRET, or point --data-dir at the server's data directory (${file} does not exist)`,
    )
  }
  return readCredentialsFile(file)
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
