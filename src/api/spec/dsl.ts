/**
 * The schema DSL every action is described with: request parameters (where they arrive, type,
 * range, default) and the response shape. One parser and two serializers read these descriptions;
 * handlers only ever see the typed values they produce.
 */
import { invalidParameter, missingParameter, type SlbError } from '../../domain/errors.js'

/** Flat, decoded request parameters (query ∪ form body), as the parser reads them. */
export interface ParamSource {
  get(name: string): string | undefined
  /** Every parameter name that starts with `prefix`, in no particular order. */
  namesWithPrefix(prefix: string): readonly string[]
}

type Reader<T> = (source: ParamSource, name: string, param: AnyParam) => T | undefined

interface ParamOptions<T> {
  readonly read: Reader<T>
  readonly required: boolean
  readonly defaultValue: T | undefined
  readonly aliases: readonly string[]
  readonly onInvalid: ((name: string) => SlbError) | undefined
}

/** One request parameter. `R` records whether the handler always receives a value. */
export class Param<T, R extends boolean = false> {
  readonly #o: ParamOptions<T>
  declare readonly _required: R

  constructor(o: ParamOptions<T>) {
    this.#o = o
  }

  /** Absent → MissingParameter. */
  required(): Param<T, true> {
    return new Param<T, true>({ ...this.#o, required: true })
  }

  /** Absent → this value. */
  default(value: T): Param<T, true> {
    return new Param<T, true>({ ...this.#o, defaultValue: value })
  }

  /** Other spellings clients send for the same parameter (contract §2.3: healthCheckInterval). */
  alias(...names: string[]): Param<T, R> {
    return new Param<T, R>({ ...this.#o, aliases: [...this.#o.aliases, ...names] })
  }

  /** The error for a present but unacceptable value, when the contract names a specific one. */
  invalid(make: (name: string) => SlbError): Param<T, R> {
    return new Param<T, R>({ ...this.#o, onInvalid: make })
  }

  /** Reads the parameter called `name` (or an alias); applies required and default. */
  parse(source: ParamSource, name: string): T | undefined {
    let value = this.#o.read(source, name, this)
    for (const alias of this.#o.aliases) {
      if (value !== undefined) break
      value = this.#o.read(source, alias, this)
    }
    if (value === undefined) {
      if (this.#o.required) throw missingParameter(name)
      return this.#o.defaultValue
    }
    return value
  }

  /** The error a reader raises for a bad value of this parameter. */
  fail(name: string): SlbError {
    return (this.#o.onInvalid ?? invalidParameter)(name)
  }
}

type AnyParam = Param<unknown, boolean>

const make = <T>(read: Reader<T>): Param<T, false> =>
  new Param<T, false>({ read, required: false, defaultValue: undefined, aliases: [], onInvalid: undefined })

// The Go SDK v1 never sends empty values (contract §2.0), so an empty string reads as absent.
const scalar = <T>(convert: (raw: string, fail: () => never) => T): Param<T, false> =>
  make<T>((source, name, param) => {
    const raw = source.get(name)
    if (raw === undefined || raw === '') return undefined
    // No parameter carries a NUL, and PostgreSQL text cannot store one.
    if (raw.includes('\u0000')) throw param.fail(name)
    return convert(raw, () => {
      throw param.fail(name)
    })
  })

export interface StringRule {
  readonly min?: number
  readonly max?: number
  readonly pattern?: RegExp
}

const checkString = (raw: string, rule: StringRule, fail: () => never): string => {
  const length = [...raw].length
  if (rule.min !== undefined && length < rule.min) fail()
  if (rule.max !== undefined && length > rule.max) fail()
  if (rule.pattern !== undefined && !rule.pattern.test(raw)) fail()
  return raw
}

const INTEGER = /^-?\d+$/

const checkInt = (raw: string, range: IntRange, fail: () => never): number => {
  const text = raw.trim()
  if (!INTEGER.test(text)) fail()
  const value = Number(text)
  if (!Number.isSafeInteger(value)) fail()
  if (range.min !== undefined && value < range.min) fail()
  if (range.max !== undefined && value > range.max) fail()
  return value
}

export interface IntRange {
  readonly min?: number
  readonly max?: number
}

/** Parameter constructors. */
export const p = {
  string: (rule: StringRule = {}): Param<string> => scalar((raw, fail) => checkString(raw, rule, fail)),

  /** One of a fixed set; `caseInsensitive` returns the canonical spelling. */
  enum: <const V extends string>(values: readonly V[], opts: { caseInsensitive?: boolean } = {}): Param<V> =>
    scalar((raw, fail) => {
      const found = opts.caseInsensitive
        ? values.find((v) => v.toLowerCase() === raw.toLowerCase())
        : values.find((v) => v === raw)
      return found ?? fail()
    }),

  int: (range: IntRange = {}): Param<number> => scalar((raw, fail) => checkInt(raw, range, fail)),

  /** A Boolean arrives as `true`/`false` (contract §2.0); case-insensitive. */
  bool: (): Param<boolean> =>
    scalar((raw, fail) => {
      const v = raw.toLowerCase()
      if (v === 'true') return true
      if (v === 'false') return false
      return fail()
    }),

  /** A comma-separated list of strings, each trimmed; empty items dropped. */
  commaList: (rule: { maxItems?: number } = {}): Param<readonly string[]> =>
    scalar((raw, fail) => {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
      if (rule.maxItems !== undefined && items.length > rule.maxItems) fail()
      return items
    }),

  /** A parameter whose value is JSON text (BackendServers, InstanceIds, Tags). */
  json: <T>(decode: (raw: string, fail: () => never) => T): Param<T> => scalar(decode),

  /** RepeatList `Name.1`, `Name.2`, … (contract §2.0); ordered by N. */
  list: (item: StringRule = {}, rule: { maxItems?: number } = {}): Param<readonly string[]> =>
    make((source, name, param) => {
      const entries = repeatIndexes(source, name).map(([n, key]) => [n, source.get(key) ?? ''] as const)
      if (entries.length === 0) return undefined
      if (rule.maxItems !== undefined && entries.length > rule.maxItems) throw param.fail(name)
      const fail = (): never => {
        throw param.fail(name)
      }
      return entries
        .filter(([, v]) => v !== '')
        .map(([, v]) => (v.includes('\u0000') ? fail() : checkString(v, item, fail)))
    }),

  /** RepeatList of structs `Name.N.Member` (Tag.1.Key, Tag.1.Value); ordered by N. */
  structList: <const M extends string>(
    members: readonly M[],
    rule: { maxItems?: number } = {},
  ): Param<ReadonlyArray<Readonly<Partial<Record<M, string>>>>> =>
    make((source, name, param) => {
      const byIndex = new Map<number, Partial<Record<string, string>>>()
      for (const key of source.namesWithPrefix(`${name}.`)) {
        const rest = key.slice(name.length + 1)
        const dot = rest.indexOf('.')
        if (dot <= 0) continue
        const n = Number(rest.slice(0, dot))
        const member = members.find((m) => m === rest.slice(dot + 1))
        if (!Number.isSafeInteger(n) || n < 1 || member === undefined) continue
        const value = source.get(key)
        if (value === undefined) continue
        if (value.includes('\u0000')) throw param.fail(name)
        const item = byIndex.get(n) ?? {}
        item[member] = value
        byIndex.set(n, item)
      }
      if (byIndex.size === 0) return undefined
      if (rule.maxItems !== undefined && byIndex.size > rule.maxItems) throw param.fail(name)
      return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, item]) => item as Partial<Record<M, string>>)
    }),
}

const repeatIndexes = (source: ParamSource, name: string): Array<readonly [number, string]> => {
  const out: Array<readonly [number, string]> = []
  for (const key of source.namesWithPrefix(`${name}.`)) {
    const rest = key.slice(name.length + 1)
    if (!/^\d+$/.test(rest)) continue
    const n = Number(rest)
    if (n >= 1) out.push([n, key])
  }
  return out.sort(([a], [b]) => a - b)
}

export type ParamShape = Readonly<Record<string, Param<any, boolean>>>

/** The typed parameters a handler receives for a ParamShape. */
export type Params<S extends ParamShape> = {
  readonly [K in keyof S]: S[K] extends Param<infer T, infer R> ? (R extends true ? T : T | undefined) : never
}

// ---------------------------------------------------------------------------------------------
// Response shapes.

export type Shape =
  | { readonly kind: 'string'; readonly optional: boolean }
  | { readonly kind: 'int'; readonly optional: boolean }
  | { readonly kind: 'bool'; readonly optional: boolean }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Shape>>; readonly optional: boolean }
  | { readonly kind: 'list'; readonly item: string; readonly of: Shape; readonly optional: boolean }
  | { readonly kind: 'bareList'; readonly of: Shape; readonly optional: boolean }

type Opt<S extends Shape> = Omit<S, 'optional'> & { readonly optional: true }
const optional = <S extends Shape>(s: S): Opt<S> => ({ ...s, optional: true })

/** Response-shape constructors. Every field is emitted unless marked `r.opt(...)`. */
export const r = {
  string: () => ({ kind: 'string', optional: false }) as const,
  int: () => ({ kind: 'int', optional: false }) as const,
  bool: () => ({ kind: 'bool', optional: false }) as const,
  object: <const F extends Readonly<Record<string, Shape>>>(fields: F) =>
    ({ kind: 'object', fields, optional: false }) as const,
  /** Alibaba's wrapped list: `"Xs": {"X": [...]}` (contract §4.1). */
  list: <const I extends string, const S extends Shape>(item: I, of: S) =>
    ({ kind: 'list', item, of, optional: false }) as const,
  /** A bare JSON array (DescribeLoadBalancerListeners, contract §2.3). */
  bareList: <const S extends Shape>(of: S) => ({ kind: 'bareList', of, optional: false }) as const,
  opt: optional,
}

type Value<S extends Shape> = S extends { kind: 'string' }
  ? string
  : S extends { kind: 'int' }
    ? number
    : S extends { kind: 'bool' }
      ? boolean
      : S extends { kind: 'object'; fields: infer F extends Readonly<Record<string, Shape>> }
        ? Output<F>
        : S extends { kind: 'list' | 'bareList'; of: infer O extends Shape }
          ? ReadonlyArray<Value<O>>
          : never

type OptionalKeys<F> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F]
type RequiredKeys<F> = Exclude<keyof F, OptionalKeys<F>>

/**
 * What a handler returns for a response shape: plain values, lists as plain arrays. Numbers may be
 * given where strings are declared (and the reverse) — the serializer converts to the declared type.
 */
export type Output<F extends Readonly<Record<string, Shape>>> = {
  readonly [K in RequiredKeys<F>]: Loose<Value<F[K]>>
} & { readonly [K in OptionalKeys<F>]?: Loose<Value<F[K]>> | undefined }

type Loose<V> = V extends string ? string | number : V extends number ? number | string : V
