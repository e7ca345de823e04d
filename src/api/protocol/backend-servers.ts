/**
 * Decodes the `BackendServers` parameter (also `OldBackendServers` / `NewBackendServers`): a tolerant reader
 * for the JSON dialects real clients send, then per-item validation (contract §0.2, §2.1, §5.4).
 */
import {
  backendServerPortInvalid,
  backendServersInvalid,
  backendServersMalformed,
  weightMalformed,
} from '../../domain/errors.js'

import type { BackendServerType } from '../../domain/model.js'

export type { BackendServerType }

/** One decoded item; every field but serverId is undefined when absent, null or "". */
export interface BackendServerInput {
  readonly serverId: string
  /** Undefined when absent: the action decides the default (100 on add). */
  readonly weight: number | undefined
  readonly type: BackendServerType | undefined
  /** The CCM sends "" for ECS (contract §2.1), normalised to undefined. */
  readonly serverIp: string | undefined
  readonly port: number | undefined
  readonly description: string | undefined
}

/** Longest accepted text, in UTF-16 code units; a 40-item CCM batch is about 10 KiB. */
export const MAX_BACKEND_SERVERS_LENGTH = 64 * 1024
/** Deepest accepted nesting: list (1), item (2), then unknown values such as the CCM's TargetRef. */
export const MAX_BACKEND_SERVERS_DEPTH = 16
/** Description length in characters (code points), contract §2.1. */
export const MAX_BACKEND_DESCRIPTION_LENGTH = 80

// Letters, digits, - / . _ (META) plus Chinese (zh META), contract §2.1.
const DESCRIPTION = /^[A-Za-z0-9\-/._\p{Script=Han}]+$/u
const DIGITS = /^\d+$/
// Leading zeros are tolerated (080 reads as 80), like the digit strings Terraform sends.
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const TYPES: readonly BackendServerType[] = ['ecs', 'eni', 'eci']
const KNOWN_KEYS = new Set(['serverid', 'weight', 'type', 'serverip', 'port', 'description'])

/**
 * Parses the raw parameter text; throws SlbError on anything malformed.
 * @example parseBackendServers("[{'ServerId':'i-x','Port':'80','Weight':'100'}]")[0]?.port // 80
 */
export function parseBackendServers(raw: string): BackendServerInput[] {
  if (raw.length > MAX_BACKEND_SERVERS_LENGTH) throw backendServersMalformed()
  const document = new Reader(raw).document()
  // A bare object is read as a one-item list: lenient, no client is known to rely on either answer.
  const items = document instanceof JsonObject ? [document] : document
  if (!Array.isArray(items)) throw backendServersMalformed()
  // Shape errors across the whole list come before any field error.
  const objects = items.map((item) => {
    if (!(item instanceof JsonObject)) throw backendServersMalformed()
    return item
  })
  return objects.map(decodeItem)
}

type Json = null | boolean | number | string | readonly Json[] | JsonObject

/** Keys kept in arrival order so that duplicates resolve like Go's decoder (the last non-null wins). */
class JsonObject {
  constructor(readonly entries: ReadonlyArray<readonly [string, Json]>) {}
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
}

/**
 * JSON plus single-quoted strings (Terraform, contract §0.2). Quotes are matched by the reader, never by
 * text replacement, so an apostrophe inside "…" or a double quote inside '…' stays data.
 */
class Reader {
  readonly #text: string
  #pos = 0

  constructor(text: string) {
    this.#text = text
  }

  document(): Json {
    const value = this.#value(0)
    this.#skipSpace()
    if (this.#pos !== this.#text.length) throw backendServersMalformed()
    return value
  }

  #value(depth: number): Json {
    this.#skipSpace()
    const c = this.#text[this.#pos]
    switch (c) {
      case '[':
        return this.#array(depth + 1)
      case '{':
        return this.#object(depth + 1)
      case '"':
      case "'":
        return this.#string()
      case 't':
        return this.#literal('true', true)
      case 'f':
        return this.#literal('false', false)
      case 'n':
        return this.#literal('null', null)
      default:
        return this.#number()
    }
  }

  #array(depth: number): Json[] {
    if (depth > MAX_BACKEND_SERVERS_DEPTH) throw backendServersMalformed()
    this.#pos++
    const items: Json[] = []
    if (this.#peekAfterSpace() === ']') {
      this.#pos++
      return items
    }
    for (;;) {
      items.push(this.#value(depth))
      const c = this.#peekAfterSpace()
      this.#pos++
      if (c === ']') return items
      if (c !== ',') throw backendServersMalformed()
    }
  }

  #object(depth: number): JsonObject {
    if (depth > MAX_BACKEND_SERVERS_DEPTH) throw backendServersMalformed()
    this.#pos++
    const entries: Array<readonly [string, Json]> = []
    if (this.#peekAfterSpace() === '}') {
      this.#pos++
      return new JsonObject(entries)
    }
    for (;;) {
      const quote = this.#peekAfterSpace()
      if (quote !== '"' && quote !== "'") throw backendServersMalformed()
      const key = this.#string()
      if (this.#peekAfterSpace() !== ':') throw backendServersMalformed()
      this.#pos++
      entries.push([key, this.#value(depth)])
      const c = this.#peekAfterSpace()
      this.#pos++
      if (c === '}') return new JsonObject(entries)
      if (c !== ',') throw backendServersMalformed()
    }
  }

  #string(): string {
    const text = this.#text
    const quote = text[this.#pos]
    this.#pos++
    let out = ''
    let start = this.#pos
    for (;;) {
      const c = text[this.#pos]
      if (c === undefined) throw backendServersMalformed()
      if (c === quote) {
        out += text.slice(start, this.#pos)
        this.#pos++
        return out
      }
      // Raw control characters are not JSON; an escaped one is accepted.
      if (c < ' ') throw backendServersMalformed()
      if (c === '\\') {
        out += text.slice(start, this.#pos) + this.#escape()
        start = this.#pos
        continue
      }
      this.#pos++
    }
  }

  /** Reads the escape at the backslash under the cursor and moves past it. */
  #escape(): string {
    const c = this.#text[this.#pos + 1]
    if (c === 'u') {
      const hex = this.#text.slice(this.#pos + 2, this.#pos + 6)
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw backendServersMalformed()
      this.#pos += 6
      return String.fromCharCode(Number.parseInt(hex, 16))
    }
    const decoded = c === undefined ? undefined : ESCAPES[c]
    if (decoded === undefined) throw backendServersMalformed()
    this.#pos += 2
    return decoded
  }

  #literal<T extends Json>(word: string, value: T): T {
    if (!this.#text.startsWith(word, this.#pos)) throw backendServersMalformed()
    this.#pos += word.length
    return value
  }

  #number(): number {
    NUMBER.lastIndex = this.#pos
    const match = NUMBER.exec(this.#text)
    if (match === null) throw backendServersMalformed()
    this.#pos += match[0].length
    return Number(match[0])
  }

  #peekAfterSpace(): string | undefined {
    this.#skipSpace()
    return this.#text[this.#pos]
  }

  #skipSpace(): void {
    const text = this.#text
    for (;;) {
      const c = text[this.#pos]
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return
      this.#pos++
    }
  }
}

function decodeItem(item: JsonObject): BackendServerInput {
  // Keys are case-insensitive (the CCM sends serverId, contract §0.2); null means absent and so does not
  // overwrite an earlier spelling of the same key.
  const fields = new Map<string, Json>()
  for (const [key, value] of item.entries) {
    const name = key.toLowerCase()
    if (value !== null && KNOWN_KEYS.has(name)) fields.set(name, value)
  }

  const serverId = fields.get('serverid')
  // Kept verbatim: a padded ID simply matches no server later (ObtainIpFail), as on the real service.
  if (typeof serverId !== 'string' || serverId.trim() === '') throw backendServersInvalid()
  const type = readType(fields.get('type'))
  const weight = readInteger(fields.get('weight'), 0, 100, weightMalformed)
  const port = readInteger(fields.get('port'), 1, 65535, backendServerPortInvalid)
  const serverIp = readOptionalString(fields.get('serverip'))
  const description = readDescription(fields.get('description'))
  return { serverId, weight, type, serverIp, port, description }
}

function readType(value: Json | undefined): BackendServerType | undefined {
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') throw backendServersInvalid()
  const type = TYPES.find((t) => t === value.toLowerCase())
  if (type === undefined) throw backendServersInvalid()
  return type
}

/** A JSON number with an integral value, or a string of ASCII digits (whitespace trimmed); "" is absent. */
function readInteger(value: Json | undefined, min: number, max: number, fail: () => Error): number | undefined {
  if (value === undefined) return undefined
  let n: number
  if (typeof value === 'number') {
    n = value
  } else if (typeof value === 'string') {
    const text = value.trim()
    if (text === '') return undefined
    if (!DIGITS.test(text)) throw fail()
    n = Number(text)
  } else {
    throw fail()
  }
  if (!Number.isInteger(n) || n < min || n > max) throw fail()
  return n + 0 // -0 reads as 0.
}

function readOptionalString(value: Json | undefined): string | undefined {
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') throw backendServersInvalid()
  return value
}

function readDescription(value: Json | undefined): string | undefined {
  const description = readOptionalString(value)
  if (description === undefined) return undefined
  if ([...description].length > MAX_BACKEND_DESCRIPTION_LENGTH || !DESCRIPTION.test(description)) {
    throw backendServersInvalid()
  }
  return description
}
