/**
 * Shapes a handler's plain result into the wire object its response spec describes: fields in
 * spec order, declared types enforced (a number declared as string is sent as a string, contract
 * §4.1 "Number vs string"), lists wrapped as `{"Xs": {"X": [...]}}` unless the spec says bare.
 */
import type { Shape } from '../spec/dsl.js'

export type WireValue = string | number | boolean | WireObject | WireValue[]
export interface WireObject {
  [key: string]: WireValue
}

/** Shapes `value` into `out` (a fresh object unless given, e.g. one that already holds RequestId). */
export function shapeFields(fields: Readonly<Record<string, Shape>>, value: unknown, out: WireObject = {}): WireObject {
  const source = (value ?? {}) as Record<string, unknown>
  for (const [name, shape] of Object.entries(fields)) {
    const v = shapeValue(shape, source[name])
    if (v !== undefined) out[name] = v
  }
  return out
}

function shapeValue(shape: Shape, value: unknown): WireValue | undefined {
  if (value === undefined || value === null) {
    if (shape.optional) return undefined
    return emptyOf(shape)
  }
  switch (shape.kind) {
    case 'string':
      return typeof value === 'string' ? value : String(value)
    case 'int': {
      const n = typeof value === 'number' ? value : Number(value)
      return Number.isFinite(n) ? n : 0
    }
    case 'bool':
      return typeof value === 'boolean' ? value : value === 'true'
    case 'object':
      return shapeFields(shape.fields, value)
    case 'list':
      return { [shape.item]: toArray(value).map((item) => shapeValue(shape.of, item) ?? emptyOf(shape.of)) }
    case 'bareList':
      return toArray(value).map((item) => shapeValue(shape.of, item) ?? emptyOf(shape.of))
  }
}

const toArray = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : [])

/** A required field the handler left out still appears, as its type's empty value. */
function emptyOf(shape: Shape): WireValue {
  switch (shape.kind) {
    case 'string':
      return ''
    case 'int':
      return 0
    case 'bool':
      return false
    case 'object':
      return shapeFields(shape.fields, {})
    case 'list':
      return { [shape.item]: [] }
    case 'bareList':
      return []
  }
}
