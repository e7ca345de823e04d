/**
 * The two wire serializers, JSON and XML (contract §4.1, §4.2, §4.3). Success bodies carry
 * RequestId and never Code; error bodies always carry Code (contract §0.7).
 */
import { XMLBuilder } from 'fast-xml-parser'
import type { WireObject } from './shape-result.js'

export type Format = 'JSON' | 'XML'

export interface SerializedBody {
  readonly contentType: string
  readonly body: string
}

// Darabonba parses an XML error body only under exactly this content type (contract §4.4).
const XML_TYPE = 'text/xml;charset=utf-8'
const JSON_TYPE = 'application/json;charset=utf-8'
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

const builder = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: false, processEntities: true })

/** `body` already carries RequestId as its first field. */
export function serializeSuccess(format: Format, action: string, body: WireObject): SerializedBody {
  if (format === 'XML') {
    return { contentType: XML_TYPE, body: XML_DECLARATION + builder.build({ [`${action}Response`]: body }) }
  }
  return { contentType: JSON_TYPE, body: JSON.stringify(body) }
}

export interface ErrorEnvelope {
  readonly RequestId: string
  readonly HostId: string
  readonly Code: string
  readonly Message: string
  readonly Recommend: string
}

export function serializeError(format: Format, envelope: ErrorEnvelope): SerializedBody {
  if (format === 'XML') {
    return { contentType: XML_TYPE, body: XML_DECLARATION + builder.build({ Error: envelope }) }
  }
  return { contentType: JSON_TYPE, body: JSON.stringify(envelope) }
}
