/**
 * ECS list paging, shared by DescribeInstances and DescribeNetworkInterfaces: the deprecated
 * PageNumber/PageSize, or NextToken/MaxResults as soon as the caller sends either of those two.
 */
import { invalidParameter } from '../domain/errors.js'
import type { Page } from '../store/repository.js'

export interface PagingParams {
  readonly PageNumber: number
  readonly PageSize: number
  readonly NextToken: string | undefined
  readonly MaxResults: number | undefined
}

export interface EcsPage extends Page {
  readonly byToken: boolean
}

// Tokens are opaque to callers; inside they carry the offset of the next item.
const encodeToken = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url')

const decodeToken = (token: string): number => {
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'))
  if (m === null) throw invalidParameter('NextToken')
  return Number(m[1])
}

/** The rows to read; MaxResults below 10 or above `maxResults` is clamped, as the ECS docs describe. */
export function resolvePage(params: PagingParams, maxResults: number): EcsPage {
  if (params.NextToken === undefined && params.MaxResults === undefined) {
    return { offset: (params.PageNumber - 1) * params.PageSize, limit: params.PageSize, byToken: false }
  }
  const limit = Math.min(Math.max(params.MaxResults ?? 10, 10), maxResults)
  const offset = params.NextToken === undefined ? 0 : decodeToken(params.NextToken)
  return { offset, limit, byToken: true }
}

/** TotalCount, PageNumber, PageSize and NextToken ('' on the last page) for a page of `total` items. */
export function pageInfo(page: EcsPage, total: number) {
  const next = page.offset + page.limit
  return {
    TotalCount: total,
    PageNumber: Math.floor(page.offset / page.limit) + 1,
    PageSize: page.limit,
    NextToken: page.byToken && next < total ? encodeToken(next) : '',
  }
}
