/**
 * What a write transaction changed that the data plane can see: the load balancers whose listeners
 * or members moved, or "everything" (an instance changed state: any group may hold it). The
 * reconciler then rereads only those load balancers, so a change costs what it changes.
 */
export class Touched {
  readonly loadBalancers = new Set<string>()
  all = false

  loadBalancer(id: string): void {
    this.loadBalancers.add(id)
  }

  everything(): void {
    this.all = true
  }
}

/** What the reconciler must reread after a commit: some load balancers, or all of them. */
export type DataplaneChange = ReadonlySet<string> | 'all'

export const changeOf = (t: Touched): DataplaneChange => (t.all ? 'all' : t.loadBalancers)

/** The change_log column for a change (migration 0005): NULL when the data plane is unaffected. */
export const encodeChange = (change: DataplaneChange | undefined): string | null =>
  change === undefined ? null : change === 'all' ? '*' : [...change].join(',')

export const decodeChange = (text: string | null): DataplaneChange | undefined =>
  text === null ? undefined : text === '*' ? 'all' : new Set(text === '' ? [] : text.split(','))
