/** IPv4 addresses and CIDR pools as 32-bit integers, for address allocation. */

export interface Ipv4Pool {
  readonly cidr: string
  /** First and last allocatable address (network and broadcast excluded for prefixes < 31). */
  readonly first: number
  readonly last: number
}

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

export function parseIpv4(text: string): number | undefined {
  const m = OCTETS.exec(text.trim())
  if (m === null) return undefined
  let n = 0
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i])
    if (octet > 255 || (m[i]!.length > 1 && m[i]!.startsWith('0'))) return undefined
    n = n * 256 + octet
  }
  return n
}

export function formatIpv4(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

export function parsePool(cidr: string): Ipv4Pool {
  const [base, bits] = cidr.split('/')
  const address = base === undefined ? undefined : parseIpv4(base)
  const prefix = bits === undefined ? 32 : Number(bits)
  if (address === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 32) {
    throw new Error(`not an IPv4 CIDR block: ${cidr}`)
  }
  const size = 2 ** (32 - prefix)
  const network = address - (address % size)
  const edges = prefix < 31 ? 1 : 0
  return Object.freeze({ cidr, first: network + edges, last: network + size - 1 - edges })
}

export const inPool = (pool: Ipv4Pool, n: number): boolean => n >= pool.first && n <= pool.last

/** The lowest address of the pool not in `taken`, or undefined when every one is. */
export function lowestFree(pool: Ipv4Pool, taken: ReadonlySet<number>): number | undefined {
  let n = pool.first
  while (n <= pool.last && taken.has(n)) n += 1
  return n <= pool.last ? n : undefined
}
