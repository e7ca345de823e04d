/**
 * How long a commit made through one node (A, `--role api`) takes to reach another node's data plane
 * (B, `--role dataplane`): signed calls through A one at a time; after each answer, A's head generation
 * is read while B's applied generation is polled until it reaches it.
 */
import { Agent } from 'node:http'
import { fillTemplate, getJson, signedQuery, type AccessKey, type RequestTemplate } from './signed-request.js'

export interface FollowJob {
  readonly host: string
  /** Node A, which answers the calls. */
  readonly apiPort: number
  /** Node B, whose data plane must follow. */
  readonly dataplanePort: number
  readonly key: AccessKey
  /** Call i sends `templates[i % length]` with the counter `counterStart + i`. */
  readonly templates: readonly RequestTemplate[]
  readonly counterStart: number
  /** Calls made first and not recorded (connections, JIT). */
  readonly warmupCalls: number
  readonly calls: number
  /** Pause between two polls of B. */
  readonly pollMs: number
  /** Give up on one call's apply after this long (it counts as a timeout). */
  readonly timeoutMs: number
}

export interface FollowSample {
  /** From A's answer to the first poll answer of B showing the commit applied: an upper bound. */
  readonly upperMs: number
  /**
   * From A's answer to when the last poll that did not show it yet was sent (0 when the first poll
   * showed it): the apply happened after this.
   */
  readonly lowerMs: number
  /** The signed call through A, request to answer. */
  readonly callMs: number
  readonly polls: number
}

export interface FollowResult {
  readonly samples: readonly FollowSample[]
  readonly timeouts: number
  readonly errors: readonly string[]
}

interface Answer {
  readonly status: number
  readonly body: Record<string, unknown>
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export async function follow(job: FollowJob): Promise<FollowResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  const get = (port: number, path: string): Promise<Answer> =>
    getJson({ host: job.host, port, agent }, path, `GET ${path.slice(0, 60)}`)
  const generationOf = (answer: Answer, field: 'generation' | 'appliedGeneration'): number => {
    const value = answer.body[field]
    if (answer.status !== 200 || typeof value !== 'number') {
      throw new Error(`/_openslb/health: HTTP ${answer.status} ${JSON.stringify(answer.body)}`)
    }
    return value
  }

  const samples: FollowSample[] = []
  const errors: string[] = []
  let timeouts = 0
  try {
    for (let i = 0; i < job.warmupCalls + job.calls; i++) {
      const template = job.templates[i % job.templates.length]!
      const params = fillTemplate(template.params, job.counterStart + i)
      const path = '/' + signedQuery(job.key, template.action, template.version, params)
      const sent = performance.now()
      const answer = await get(job.apiPort, path)
      const answered = performance.now()
      if (answer.status !== 200 || 'Code' in answer.body) {
        errors.push(`${template.action}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`)
        continue
      }
      // The head is read while B is already being polled: a poll answered before the head is known
      // still counts once it is.
      let head: number | undefined
      const headRead = get(job.apiPort, '/_openslb/health').then((a) => (head = generationOf(a, 'generation')))
      headRead.catch(() => {})
      const polls: Array<{ sent: number; at: number; applied: number }> = []
      let hit: { sent: number; at: number; applied: number } | undefined
      while (hit === undefined) {
        const pollSent = performance.now()
        const applied = generationOf(await get(job.dataplanePort, '/_openslb/health'), 'appliedGeneration')
        polls.push({ sent: pollSent, at: performance.now(), applied })
        if (head !== undefined) hit = polls.find((p) => p.applied >= head!)
        if (hit === undefined && performance.now() - answered > job.timeoutMs) break
        if (hit === undefined) await sleep(job.pollMs)
      }
      await headRead
      if (i < job.warmupCalls) continue
      if (hit === undefined) {
        timeouts += 1
        continue
      }
      const before = polls.slice(0, polls.indexOf(hit)).pop()
      samples.push({
        upperMs: hit.at - answered,
        lowerMs: before === undefined ? 0 : Math.max(0, before.sent - answered),
        callMs: answered - sent,
        polls: polls.length,
      })
    }
  } finally {
    agent.destroy()
  }
  return { samples, timeouts, errors }
}

/** Nearest-rank percentile (p in 0–100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}
