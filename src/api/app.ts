/**
 * The request pipeline: one ordered list of small steps from raw HTTP to a serialized body, and one
 * error path that renders every failure in Alibaba's envelope (DESIGN.md principles 2 and 3).
 */
import type { Logger } from 'pino'
import type { ActionContext, DataplaneView } from '../actions/context.js'
import type { Config } from '../config.js'
import {
  internalError,
  invalidAction,
  invalidActionOrVersion,
  invalidParameter,
  invalidRegionId,
  missingParameter,
  SlbError,
  unsupportedHttpMethod,
} from '../domain/errors.js'
import { newRequestId } from '../domain/ids.js'
import type { AccessKey } from '../domain/model.js'
import { findRegion } from '../domain/regions.js'
import type { Scope } from '../domain/scope.js'
import type { Store } from '../store/repository.js'
import { authenticate } from './auth/authenticate.js'
import { decodeRequest, firstHeader, type DecodedRequest, type RawRequest } from './protocol/decode.js'
import { MapParamSource } from './protocol/param-source.js'
import { serializeError, serializeSuccess, type Format } from './protocol/serialize.js'
import { shapeFields, type WireObject } from './protocol/shape-result.js'
import type { Route, RouteTable } from './route.js'

export interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface AppDeps {
  readonly config: Config
  readonly store: Store
  readonly routes: RouteTable
  readonly logger: Logger
  readonly now: () => number
  /** The data plane's observations; without one every backend reads as not yet checked. */
  readonly dataplane?: DataplaneView
  /**
   * Resolves once every data-plane-relevant commit so far is in force; a mutating call awaits it
   * before answering (DESIGN.md "Consistency").
   */
  readonly settle?: () => Promise<void>
  /** A data-plane-only node answers every call with this error (after choosing the format). */
  readonly refuse?: SlbError
}

const NO_DATAPLANE: DataplaneView = { healthStatus: () => 'unavailable' }

/** The state one request accumulates as it moves through the pipeline. */
interface RpcContext {
  readonly raw: RawRequest
  readonly requestId: string
  format: Format
  request?: DecodedRequest
  key?: AccessKey
  route?: Route
  scope?: Scope
  params?: Readonly<Record<string, unknown>>
  result?: WireObject
}

type Step = (ctx: RpcContext, deps: AppDeps) => void | Promise<void>

// Form-encoded RPC arrives only as GET or POST (contract §1: META marks every action GET|POST).
const checkMethod: Step = (ctx) => {
  if (ctx.raw.method !== 'GET' && ctx.raw.method !== 'POST') throw unsupportedHttpMethod()
}

const decode: Step = (ctx) => {
  ctx.request = decodeRequest(ctx.raw)
}

// JSON unless the client asks for XML; SDKs send 'JSON' or 'json' (contract §3.1, §8.7).
const chooseFormat: Step = (ctx) => {
  const format = ctx.request!.params.get('Format')
  if (format === undefined || format === '') return
  const upper = format.toUpperCase()
  if (upper !== 'JSON' && upper !== 'XML') throw invalidParameter('Format')
  ctx.format = upper
}

const authenticateCaller: Step = async (ctx, deps) => {
  ctx.key = await authenticate(ctx.request!, {
    store: deps.store,
    now: deps.now,
    windowMs: deps.config.timestampWindowMs,
  })
}

const resolveAction: Step = (ctx, deps) => {
  const { action, version } = ctx.request!
  if (action === undefined || action === '') throw missingParameter('Action')
  if (version === undefined || version === '') throw missingParameter('Version')
  if (!deps.routes.hasVersion(version)) throw invalidActionOrVersion()
  const route = deps.routes.find(version, action)
  if (route === undefined) throw invalidAction()
  ctx.route = route
}

const scopeRequest: Step = (ctx) => {
  const rule = ctx.route!.spec.region
  const regionId = ctx.request!.params.get('RegionId') || undefined
  if (rule === 'required' && regionId === undefined) throw missingParameter('RegionId')
  if (regionId !== undefined && rule !== 'none' && findRegion(regionId) === undefined) throw invalidRegionId()
  ctx.scope = { accountId: ctx.key!.accountId, regionId: rule === 'none' ? undefined : regionId }
}

const parseParams: Step = (ctx) => {
  const source = new MapParamSource(ctx.request!.params)
  const params: Record<string, unknown> = {}
  for (const [name, param] of Object.entries(ctx.route!.spec.params)) params[name] = param.parse(source, name)
  ctx.params = params
}

const invoke: Step = async (ctx, deps) => {
  const acceptLanguage = ctx.request!.params.get('AcceptLanguage') ?? firstHeader(ctx.raw.headers, 'accept-language')
  const actionContext: ActionContext = {
    scope: ctx.scope!,
    requestId: ctx.requestId,
    store: deps.store,
    config: deps.config,
    now: deps.now,
    language: acceptLanguage?.toLowerCase().startsWith('zh') ? 'zh' : 'en',
    dataplane: deps.dataplane ?? NO_DATAPLANE,
  }
  const result = await ctx.route!.handler(actionContext, ctx.params!)
  if (deps.settle !== undefined) await deps.settle()
  ctx.result = shapeFields(ctx.route!.spec.response, result, { RequestId: ctx.requestId })
}

/** The pipeline, in order. */
const PIPELINE: readonly Step[] = [
  decode,
  chooseFormat,
  checkMethod,
  authenticateCaller,
  resolveAction,
  scopeRequest,
  parseParams,
  invoke,
]

export interface App {
  /** Runs one RPC request through the pipeline; never throws. */
  handle(raw: RawRequest): Promise<RawResponse>
  /** Renders an error that happened before the pipeline (e.g. an oversized body). */
  renderError(raw: RawRequest, error: SlbError): RawResponse
}

export function createApp(deps: AppDeps): App {
  const renderError = (raw: RawRequest, requestId: string, format: Format, error: SlbError): RawResponse => {
    const host = firstHeader(raw.headers, 'host') ?? `${deps.config.listen.host}:${deps.config.listen.port}`
    const product = raw.headers['x-acs-version'] === '2014-05-26' ? 'Ecs' : 'Slb'
    const body = serializeError(format, {
      RequestId: requestId,
      HostId: host,
      Code: error.code,
      Message: error.message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=${product}&requestId=${requestId}`,
    })
    return { status: error.httpStatus, headers: { 'content-type': body.contentType }, body: body.body }
  }

  return {
    async handle(raw: RawRequest): Promise<RawResponse> {
      const ctx: RpcContext = { raw, requestId: newRequestId(), format: 'JSON' }
      try {
        if (deps.refuse !== undefined) {
          // The request's own errors matter less than where it was sent; only its format is kept.
          try {
            await decode(ctx, deps)
            await chooseFormat(ctx, deps)
          } catch {}
          throw deps.refuse
        }
        for (const step of PIPELINE) await step(ctx, deps)
        const body = serializeSuccess(ctx.format, ctx.route!.spec.name, ctx.result!)
        return { status: 200, headers: { 'content-type': body.contentType }, body: body.body }
      } catch (e) {
        if (e instanceof SlbError) {
          deps.logger.debug({ requestId: ctx.requestId, code: e.code, action: ctx.request?.action }, e.message)
          return renderError(raw, ctx.requestId, ctx.format, e)
        }
        deps.logger.error({ requestId: ctx.requestId, action: ctx.request?.action, err: e }, 'internal error')
        return renderError(raw, ctx.requestId, ctx.format, internalError())
      }
    },
    renderError(raw: RawRequest, error: SlbError): RawResponse {
      return renderError(raw, newRequestId(), 'JSON', error)
    },
  }
}
