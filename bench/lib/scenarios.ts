/**
 * What the API benchmark calls: the read and the mutation it loads, and the set-up they need. This is
 * the one place to change actions or parameters; `DEFAULT_SCENARIO` picks the one that runs.
 */
import type { RequestTemplate } from './signed-request.js'

const SLB_VERSION = '2014-05-15'
const REGION = 'cn-hangzhou'

export type ScenarioName = 'load-balancers' | 'regions'

/** The scenario `bench/api-throughput.ts` runs without `--scenario`. */
export const DEFAULT_SCENARIO: ScenarioName = 'load-balancers'

export interface Workload {
  /** The read action, judged against `goal` × the bare server. */
  readonly read: RequestTemplate
  /** The mutation action. */
  readonly mutation: RequestTemplate
  /** Set when the scenario has no real mutation and loads a read in its place. */
  readonly mutationIsStandIn: boolean
}

/** Makes one signed call and returns the JSON body; it throws on a non-200 or a body with `Code`. */
export type SetupCall = (template: RequestTemplate) => Promise<Record<string, unknown>>

export interface Scenario {
  readonly name: ScenarioName
  readonly setup: (call: SetupCall) => Promise<Workload>
}

const template = (action: string, params: Record<string, string> = {}): RequestTemplate => ({
  action,
  version: SLB_VERSION,
  params,
})

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  'load-balancers': {
    name: 'load-balancers',
    async setup(call) {
      const created = await call(template('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'bench' }))
      const id = created['LoadBalancerId']
      if (typeof id !== 'string' || id === '') throw new Error(`CreateLoadBalancer returned no LoadBalancerId`)
      // The ten keys the mutation cycles through exist from the start, so every read returns the same body.
      const tags: Record<string, string> = {}
      for (let i = 0; i < 10; i++) {
        tags[`Tag.${i + 1}.Key`] = `k${i}`
        tags[`Tag.${i + 1}.Value`] = 'v'
      }
      await call(template('TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': id, ...tags }))
      return {
        read: template('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: id }),
        // Ten keys overwritten with new values: a real write that stays under 20 tags per resource.
        mutation: template('TagResources', {
          RegionId: REGION,
          ResourceType: 'instance',
          'ResourceId.1': id,
          'Tag.1.Key': 'k{n%10}',
          'Tag.1.Value': 'v{n}',
        }),
        mutationIsStandIn: false,
      }
    },
  },
  // For developing the harness before the load-balancer actions exist: reads only.
  regions: {
    name: 'regions',
    async setup() {
      return {
        read: template('DescribeRegions'),
        mutation: template('DescribeZones', { RegionId: REGION }),
        mutationIsStandIn: true,
      }
    },
  },
}
