/**
 * The bootstrap AccessKey: from OPENSLB_ACCESS_KEY_ID / OPENSLB_ACCESS_KEY_SECRET on first start,
 * otherwise generated once, stored, and written to <data-dir>/credentials (mode 0600).
 */
import { randomInt } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { newAccountId } from './domain/ids.js'
import type { KyselyStore } from './store/kysely-store.js'

export interface Credentials {
  readonly accessKeyId: string
  readonly accessKeySecret: string
  readonly accountId: string
}

export interface BootstrapResult {
  readonly credentials: Credentials
  /** True when this start generated the key (it is printed once). */
  readonly generated: boolean
  readonly file: string | undefined
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const randomAlnum = (n: number): string => Array.from({ length: n }, () => ALNUM[randomInt(ALNUM.length)]).join('')

export const credentialsFile = (dataDir: string): string => join(dataDir, 'credentials')

export function readCredentialsFile(file: string): Credentials {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>
  if (typeof parsed.accessKeyId !== 'string' || typeof parsed.accessKeySecret !== 'string') {
    throw new Error(`${file} does not hold an AccessKey`)
  }
  return { accessKeyId: parsed.accessKeyId, accessKeySecret: parsed.accessKeySecret, accountId: parsed.accountId ?? '' }
}

export async function bootstrapKey(
  store: KyselyStore,
  dataDir: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<BootstrapResult> {
  const fromEnvId = env['OPENSLB_ACCESS_KEY_ID']
  const fromEnvSecret = env['OPENSLB_ACCESS_KEY_SECRET']
  if (fromEnvId !== undefined && fromEnvId !== '' && fromEnvSecret !== undefined && fromEnvSecret !== '') {
    const existing = await store.findAccessKey(fromEnvId)
    const proposed = existing?.accountId ?? newAccountId()
    await store.ensureAccessKey({ accessKeyId: fromEnvId, secret: fromEnvSecret, accountId: proposed, status: 'Active' })
    // Nodes sharing one PostgreSQL may start together: the first to insert the key owns its account.
    const accountId = existing?.accountId ?? (await store.findAccessKey(fromEnvId))?.accountId ?? proposed
    return { credentials: { accessKeyId: fromEnvId, accessKeySecret: fromEnvSecret, accountId }, generated: false, file: undefined }
  }

  const file = dataDir === undefined ? undefined : credentialsFile(dataDir)
  if (file !== undefined && existsSync(file)) {
    const saved = readCredentialsFile(file)
    const key = await store.findAccessKey(saved.accessKeyId)
    if (key !== undefined) return { credentials: { ...saved, accountId: key.accountId }, generated: false, file }
  }

  const credentials: Credentials = {
    accessKeyId: `LTAI${randomAlnum(20)}`,
    accessKeySecret: randomAlnum(30),
    accountId: newAccountId(),
  }
  await store.ensureAccessKey({
    accessKeyId: credentials.accessKeyId,
    secret: credentials.accessKeySecret,
    accountId: credentials.accountId,
    status: 'Active',
  })
  if (file !== undefined) writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 })
  return { credentials, generated: true, file }
}
