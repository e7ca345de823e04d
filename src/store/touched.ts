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
