/**
 * The request pipeline without sockets: transports, signatures, timestamps, nonces, dispatch,
 * formats and the error envelope (contract §3, §4, §5.1).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { XMLParser } from 'fast-xml-parser'
import { route, RouteTable } from '../../src/api/route.js'
import { routes } from '../../src/api/routes.js'
import { defineAction, SLB_VERSION } from '../../src/api/spec/action.js'
import { p, r } from '../../src/api/spec/dsl.js'
import { SlbError } from '../../src/domain/errors.js'
import { isoSeconds, json, KEY_ID, makeApp, signedV1, signedV3, SLB_ACTION } from '../helpers/app.js'

const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/

const expectError = (res: { status: number; body: string }, status: number, code: string, message?: string) => {
  const body = json(res.body)
  assert.equal(res.status, status, res.body)
  assert.equal(body['Code'], code, res.body)
  if (message !== undefined) assert.equal(body['Message'], message)
  assert.match(body['RequestId'], UUID)
  assert.equal(typeof body['HostId'], 'string')
  assert.ok(String(body['Recommend']).includes(encodeURIComponent(code)))
  return body
}

test('V1 arrives as GET, as a POST form body, and as a POST with the query and an empty body', async (t) => {
  const { app } = await makeApp(t)
  const params = SLB_ACTION('DescribeRegions', { RegionId: 'cn-hangzhou' })
  for (const req of [
    signedV1(params),
    signedV1(params, { method: 'POST' }),
    signedV1(params, { method: 'POST', placement: 'query' }),
  ]) {
    const res = await app.handle(req)
    assert.equal(res.status, 200, res.body)
    const body = json(res.body)
    assert.match(body['RequestId'], UUID)
    assert.equal(body['Code'], undefined)
    assert.ok(body['Regions']['Region'].length > 5)
  }
})

test('V3 ACS3-HMAC-SHA256 with Action and Version only in the headers', async (t) => {
  const { app } = await makeApp(t)
  const res = await app.handle(signedV3({ action: 'DescribeZones', version: SLB_VERSION, query: { RegionId: 'cn-beijing' } }))
  assert.equal(res.status, 200, res.body)
  assert.equal(json(res.body)['Zones']['Zone'][0]['ZoneId'], 'cn-beijing-g')
})

test('signature failures: wrong secret, tampered parameter, V3 body that does not match its hash', async (t) => {
  const { app } = await makeApp(t)
  const wrong = await app.handle(signedV1(SLB_ACTION('DescribeRegions'), { secret: 'nope' }))
  const body = expectError(wrong, 400, 'SignatureDoesNotMatch')
  // Clients split the message on this marker to compare strings to sign (contract §3.3).
  assert.match(body['Message'], /^Specified signature is not matched with our calculation\. server string to sign is:GET&%2F&/)

  const good = signedV1(SLB_ACTION('DescribeZones', { RegionId: 'cn-hangzhou' }))
  const tampered = { ...good, url: good.url.replace('cn-hangzhou', 'cn-beijing') }
  expectError(await app.handle(tampered), 400, 'SignatureDoesNotMatch')

  const v3 = signedV3({
    action: 'DescribeRegions',
    version: SLB_VERSION,
    body: 'a=1',
    payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  })
  expectError(await app.handle(v3), 400, 'SignatureDoesNotMatch')
  expectError(await app.handle(signedV3({ action: 'DescribeRegions', version: SLB_VERSION, secret: 'x' })), 400, 'SignatureDoesNotMatch')
})

test('unknown and disabled keys, missing signature parameters', async (t) => {
  const { app, store } = await makeApp(t)
  expectError(
    await app.handle(signedV1(SLB_ACTION('DescribeRegions'), { keyId: 'LTAInobody' })),
    404,
    'InvalidAccessKeyId.NotFound',
    'Specified access key is not found.',
  )
  await store.ensureAccessKey({ accessKeyId: 'LTAIoff', secret: 's', accountId: '1', status: 'Inactive' })
  expectError(
    await app.handle(signedV1(SLB_ACTION('DescribeRegions'), { keyId: 'LTAIoff', secret: 's' })),
    400,
    'InvalidAccessKeyId.Inactive',
  )
  expectError(
    await app.handle(signedV1(SLB_ACTION('DescribeRegions'), { omit: ['AccessKeyId'] })),
    400,
    'MissingParameter',
    'The input parameter "AccessKeyId" that is mandatory for processing this request is not supplied.',
  )
  expectError(await app.handle(signedV1(SLB_ACTION('DescribeRegions'), { omit: ['SignatureNonce'] })), 400, 'MissingParameter')
  expectError(await app.handle(signedV1(SLB_ACTION('DescribeRegions'), { omit: ['Timestamp'] })), 400, 'IllegalTimestamp')
  const unsigned = { method: 'GET', url: '/?Action=DescribeRegions&Version=2014-05-15', headers: {}, body: Buffer.alloc(0) }
  expectError(await app.handle(unsigned), 400, 'MissingParameter')
  expectError(
    await app.handle(signedV1({ ...SLB_ACTION('DescribeRegions'), SignatureMethod: 'HMAC-MD5' })),
    400,
    'InvalidParamater',
    'The specified parameter "SignatureMethod" is not valid.',
  )
  expectError(
    await app.handle({
      method: 'POST',
      url: '/',
      headers: { authorization: 'ACS3-HMAC-SHA256 garbage', 'x-acs-action': 'DescribeRegions' },
      body: Buffer.alloc(0),
    }),
    400,
    'IncompleteSignature',
  )
})

test('timestamps outside the 15-minute window are refused, inside it accepted (also with milliseconds)', async (t) => {
  const { app, clock } = await makeApp(t)
  const at = (ms: number) => isoSeconds(clock.now + ms)
  const params = SLB_ACTION('DescribeRegions')
  assert.equal((await app.handle(signedV1(params, { timestamp: at(-14 * 60_000) }))).status, 200)
  assert.equal((await app.handle(signedV1(params, { timestamp: at(14 * 60_000) }))).status, 200)
  assert.equal((await app.handle(signedV1(params, { timestamp: new Date(clock.now).toISOString() }))).status, 200)
  expectError(
    await app.handle(signedV1(params, { timestamp: at(-16 * 60_000) })),
    400,
    'InvalidTimeStamp.Expired',
    'Specified time stamp or date value is expired.',
  )
  expectError(await app.handle(signedV1(params, { timestamp: at(16 * 60_000) })), 400, 'InvalidTimeStamp.Expired')
  expectError(await app.handle(signedV1(params, { timestamp: 'yesterday' })), 400, 'InvalidTimeStamp.Format')
  expectError(
    await app.handle(signedV3({ action: 'DescribeRegions', version: SLB_VERSION, date: at(-20 * 60_000) })),
    400,
    'InvalidTimeStamp.Expired',
  )
})

test('a nonce is accepted once, for V1 and V3 alike', async (t) => {
  const { app } = await makeApp(t)
  const first = signedV1(SLB_ACTION('DescribeRegions'), { nonce: 'n-1' })
  assert.equal((await app.handle(first)).status, 200)
  expectError(await app.handle(first), 400, 'SignatureNonceUsed', 'Specified signature nonce was used already.')
  // A different request with the same nonce is a replay too.
  expectError(await app.handle(signedV1(SLB_ACTION('DescribeZones', { RegionId: 'cn-hangzhou' }), { nonce: 'n-1' })), 400, 'SignatureNonceUsed')
  const v3 = signedV3({ action: 'DescribeRegions', version: SLB_VERSION, nonce: 'v3-nonce' })
  assert.equal((await app.handle(v3)).status, 200)
  expectError(await app.handle(v3), 400, 'SignatureNonceUsed')
  // A request whose signature fails does not burn its nonce.
  expectError(await app.handle(signedV1(SLB_ACTION('DescribeRegions'), { nonce: 'n-2', secret: 'bad' })), 400, 'SignatureDoesNotMatch')
  assert.equal((await app.handle(signedV1(SLB_ACTION('DescribeRegions'), { nonce: 'n-2' }))).status, 200)
})

test('dispatch: missing Action or Version, unknown version, unknown action, wrong HTTP method', async (t) => {
  const { app } = await makeApp(t)
  expectError(await app.handle(signedV1({ Version: SLB_VERSION })), 400, 'MissingParameter', 'The input parameter "Action" that is mandatory for processing this request is not supplied.')
  expectError(await app.handle(signedV1({ Action: 'DescribeRegions' })), 400, 'MissingParameter')
  expectError(
    await app.handle(signedV1({ Action: 'DescribeRegions', Version: '2099-01-01' })),
    400,
    'InvalidParameter',
    'The specified parameter "Action or Version" is not valid.',
  )
  expectError(await app.handle(signedV1(SLB_ACTION('DescribeNothing'))), 403, 'InvalidAction', 'Specified action is not valid.')
  const put = { ...signedV1(SLB_ACTION('DescribeRegions')), method: 'PUT' }
  expectError(await app.handle(put), 403, 'UnsupportedHTTPMethod')
})

test('Format: JSON by default, XML on request (any case), anything else refused', async (t) => {
  const { app } = await makeApp(t)
  const xml = await app.handle(signedV1(SLB_ACTION('DescribeZones', { RegionId: 'cn-hangzhou', Format: 'xml' })))
  assert.equal(xml.status, 200)
  assert.equal(xml.headers['content-type'], 'text/xml;charset=utf-8')
  assert.ok(xml.body.startsWith('<?xml version="1.0" encoding="UTF-8"?><DescribeZonesResponse><RequestId>'))
  const parsed = new XMLParser({ isArray: (name) => name === 'Zone' || name === 'SlaveZone' }).parse(xml.body)
  const zones = parsed['DescribeZonesResponse']['Zones']['Zone']
  assert.equal(zones[0]['ZoneId'], 'cn-hangzhou-h')
  assert.equal(zones[0]['SlaveZones']['SlaveZone'].length, 3)

  const xmlError = await app.handle(signedV1(SLB_ACTION('DescribeZones', { Format: 'XML' })))
  assert.equal(xmlError.status, 400)
  const err = new XMLParser().parse(xmlError.body)['Error']
  assert.equal(err['Code'], 'MissingParameter')
  assert.match(err['RequestId'], UUID)
  assert.equal(err['HostId'], '127.0.0.1:9515')

  expectError(await app.handle(signedV1(SLB_ACTION('DescribeRegions', { Format: 'YAML' }))), 400, 'InvalidParameter')
  const lower = await app.handle(signedV1(SLB_ACTION('DescribeRegions', { Format: 'json' })))
  assert.equal(lower.headers['content-type'], 'application/json;charset=utf-8')
})

test('region scoping: required RegionId, unknown region, unknown parameters ignored', async (t) => {
  const { app } = await makeApp(t)
  expectError(
    await app.handle(signedV1(SLB_ACTION('DescribeZones'))),
    400,
    'MissingParameter',
    'The input parameter "RegionId" that is mandatory for processing this request is not supplied.',
  )
  expectError(
    await app.handle(signedV1(SLB_ACTION('DescribeZones', { RegionId: 'mars-1' }))),
    404,
    'InvalidRegionId.NotFound',
    'The specified RegionId does not exist.',
  )
  const extra = await app.handle(
    signedV1(SLB_ACTION('DescribeZones', { RegionId: 'cn-hangzhou', OwnerId: '1', SignatureType: '', Whatever: 'x' })),
  )
  assert.equal(extra.status, 200, extra.body)
})

test('parameter errors from the spec, and an unexpected failure is InternalError with the stack only in the log', async (t) => {
  const Probe = defineAction({
    name: 'Probe',
    version: SLB_VERSION,
    region: 'none',
    params: {
      Port: p.int({ min: 1, max: 65535 }).required(),
      Mode: p.enum(['on', 'off']).default('off'),
      Ids: p.list({ max: 8 }, { maxItems: 3 }),
      Tag: p.structList(['Key', 'Value'] as const),
      Boom: p.bool(),
    },
    response: { Port: r.int(), Mode: r.string(), Ids: r.list('Id', r.string()), Keys: r.string(), Empty: r.list('X', r.string()) },
  })
  const table = new RouteTable([
    ...[routes().find(SLB_VERSION, 'DescribeRegions')!],
    route(Probe, async (_ctx, params) => {
      if (params.Boom === true) throw new TypeError('secret internals')
      if (params.Port === 7) throw new SlbError('Custom.Code', 409, 'Custom message.')
      return {
        Port: String(params.Port),
        Mode: params.Mode,
        Ids: params.Ids ?? [],
        Keys: (params.Tag ?? []).map((tag) => `${tag.Key}=${tag.Value}`).join(','),
        Empty: [],
      }
    }),
  ])
  const { app, logged } = await makeApp(t, { routes: table })
  const ok = await app.handle(
    signedV1(SLB_ACTION('Probe', { Port: '80', 'Ids.2': 'b', 'Ids.1': 'a', 'Tag.2.Key': 'k2', 'Tag.2.Value': 'v2', 'Tag.1.Key': 'k1', 'Tag.1.Value': '' })),
  )
  assert.equal(ok.status, 200, ok.body)
  // Declared types win: Port is a number even though the handler returned a string; empty lists keep their wrapper.
  assert.deepEqual(json(ok.body), {
    RequestId: json(ok.body)['RequestId'],
    Port: 80,
    Mode: 'off',
    Ids: { Id: ['a', 'b'] },
    Keys: 'k1=,k2=v2',
    Empty: { X: [] },
  })
  expectError(await app.handle(signedV1(SLB_ACTION('Probe'))), 400, 'MissingParameter')
  expectError(await app.handle(signedV1(SLB_ACTION('Probe', { Port: '0' }))), 400, 'InvalidParameter', 'The specified parameter "Port" is not valid.')
  expectError(await app.handle(signedV1(SLB_ACTION('Probe', { Port: '8x' }))), 400, 'InvalidParameter')
  expectError(await app.handle(signedV1(SLB_ACTION('Probe', { Port: '80', Mode: 'maybe' }))), 400, 'InvalidParameter')
  expectError(await app.handle(signedV1(SLB_ACTION('Probe', { Port: '80', 'Ids.1': 'a', 'Ids.2': 'b', 'Ids.3': 'c', 'Ids.4': 'd' }))), 400, 'InvalidParameter')
  expectError(await app.handle(signedV1(SLB_ACTION('Probe', { Port: '7' }))), 409, 'Custom.Code', 'Custom message.')

  const boom = await app.handle(signedV1(SLB_ACTION('Probe', { Port: '80', Boom: 'true' })))
  const body = expectError(
    boom,
    500,
    'InternalError',
    'The request processing has failed due to some unknown error, exception or failure.',
  )
  assert.ok(!JSON.stringify(body).includes('secret internals'))
  const entry = logged.find((line) => line['msg'] === 'internal error')
  assert.ok(entry !== undefined)
  assert.match(JSON.stringify(entry['err']), /secret internals/)
  assert.equal(entry['requestId'], body['RequestId'])
  assert.equal(KEY_ID.length > 0, true)
})

test('a NUL character in any parameter is refused as an invalid value', async (t) => {
  const { app } = await makeApp(t)
  const res = await app.handle(signedV1(SLB_ACTION('DescribeZones', { RegionId: 'cn-hangzhou', AcceptLanguage: 'en\u0000' })))
  expectError(res, 400, 'InvalidParameter', 'The specified parameter "AcceptLanguage" is not valid.')
})
