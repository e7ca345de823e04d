/**
 * The real Alibaba client libraries, pointed at a test server: @alicloud/pop-core (V1, GET or
 * POST), @alicloud/openapi-client (V3 ACS3-HMAC-SHA256, or V1 through signatureAlgorithm 'v2'),
 * and the generated @alicloud/ecs20140526 client. Each `call` returns the parsed body or throws
 * the client's own error, so tests see exactly what a user's program would.
 */
import { createHmac, randomUUID } from 'node:crypto'
import RPCClient from '@alicloud/pop-core'
import OpenApi, * as $OpenApi from '@alicloud/openapi-client'
import type { TestServer } from './server.js'

export const SLB = '2014-05-15'
export const ECS = '2014-05-26'

export type Body = Record<string, any>

/** The error shapes the clients throw; tests assert on `code` (and HTTP status where exposed). */
export interface ClientError extends Error {
  code?: string
  statusCode?: number
  data?: Body
}

export interface RpcCaller {
  readonly name: string
  call(action: string, params?: Record<string, unknown>, version?: string): Promise<Body>
}

/** @alicloud/pop-core with the given method; V1 signature, parameters in query (GET) or body (POST). */
export function popCore(s: TestServer, method: 'GET' | 'POST' = 'GET'): RpcCaller {
  const clients = new Map<string, any>()
  const client = (version: string) => {
    let c = clients.get(version)
    if (c === undefined) {
      c = new (RPCClient as any)({
        accessKeyId: s.accessKeyId,
        accessKeySecret: s.accessKeySecret,
        endpoint: s.endpoint,
        apiVersion: version,
      })
      clients.set(version, c)
    }
    return c
  }
  return {
    name: `pop-core ${method}`,
    async call(action, params = {}, version = SLB) {
      // json-bigint builds null-prototype objects; plain ones compare cleanly in assertions.
      const body = await client(version).request(action, params, { method, timeout: 10_000 })
      return JSON.parse(JSON.stringify(body)) as Body
    },
  }
}

const OpenApiClient = (OpenApi as any).default ?? OpenApi

/**
 * @alicloud/openapi-client exactly as the generated SLB client drives it (`callApi` with the RPC
 * params of `@alicloud/slb20140515`, which is not on the registry; contract §3.4).
 */
export function openApi(s: TestServer, signature: 'v3' | 'v2' = 'v3'): RpcCaller {
  const config = new $OpenApi.Config({
    accessKeyId: s.accessKeyId,
    accessKeySecret: s.accessKeySecret,
    endpoint: `${s.host}:${s.port}`,
    protocol: 'http',
    regionId: 'cn-hangzhou',
    ...(signature === 'v2' ? { signatureAlgorithm: 'v2' } : {}),
  })
  const client = new OpenApiClient(config)
  return {
    name: `openapi-client ${signature === 'v3' ? 'V3' : 'V1'}`,
    async call(action, params = {}, version = SLB) {
      const query: Record<string, string> = {}
      for (const [k, v] of Object.entries(params)) if (v !== undefined) query[k] = String(v)
      const request = new $OpenApi.OpenApiRequest({ query })
      const apiParams = new $OpenApi.Params({
        action,
        version,
        protocol: 'HTTP',
        pathname: '/',
        method: 'POST',
        authType: 'AK',
        style: 'RPC',
        reqBodyType: 'formData',
        bodyType: 'json',
      })
      const response = await client.callApi(apiParams, request, { readTimeout: 10_000, connectTimeout: 5_000 })
      return response.body as Body
    },
  }
}

/** All four client styles: pop-core GET and POST, openapi-client V3 and V1. */
export function allClients(s: TestServer): RpcCaller[] {
  return [popCore(s, 'GET'), popCore(s, 'POST'), openApi(s, 'v3'), openApi(s, 'v2')]
}

/** Runs `fn` and returns the error it throws; fails when it does not throw. */
export async function callError(fn: () => Promise<unknown>): Promise<ClientError> {
  try {
    await fn()
  } catch (e) {
    return e as ClientError
  }
  throw new Error('expected the call to fail')
}

/**
 * The query string of a V1-signed GET (`?…&Signature=…`), signed here independently of the
 * server's own signing code (its own encoder and HMAC). The signature does not cover the host, so
 * the same request can be sent to several nodes.
 */
export function signedQuery(s: TestServer, params: Record<string, string>): string {
  const all: Record<string, string> = {
    Format: 'JSON',
    Version: SLB,
    AccessKeyId: s.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...params,
  }
  const encode = (v: string) =>
    encodeURIComponent(v).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
  const canonical = Object.keys(all)
    .sort()
    .map((k) => `${encode(k)}=${encode(all[k]!)}`)
    .join('&')
  const signature = createHmac('sha1', `${s.accessKeySecret}&`).update(`GET&%2F&${encode(canonical)}`).digest('base64')
  return `?${canonical}&Signature=${encode(signature)}`
}

/** pop-core JSON-parses every body, so XML is checked with a hand-signed GET (signedQuery). */
export function signedXmlGet(s: TestServer, params: Record<string, string>): Promise<Response> {
  return fetch(`${s.endpoint}/${signedQuery(s, { Format: 'XML', ...params })}`)
}
