/** Small statistics over repetitions: median and spread (min–max), as the baselines report them. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
}

/** `12,345` for a rate, `1.23` for milliseconds. */
export const formatInt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–')
export const formatMs = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–')
export const formatRatio = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–')
