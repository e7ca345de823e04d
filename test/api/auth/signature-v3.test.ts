import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenApi, * as $OpenApi from '@alicloud/openapi-client';
import {
  parseV3Authorization,
  sha256Hex,
  v3CanonicalRequest,
  v3Signature,
  v3StringToSign,
} from '../../../src/api/auth/signature-v3.js';
import type { V3Request } from '../../../src/api/auth/signature-v3.js';

test('parseV3Authorization', () => {
  assert.deepEqual(
    parseV3Authorization('ACS3-HMAC-SHA256 Credential=AKID,SignedHeaders=host;x-acs-date,Signature=ABCdef01'),
    { algorithm: 'ACS3-HMAC-SHA256', accessKeyId: 'AKID', signedHeaders: ['host', 'x-acs-date'], signature: 'abcdef01' },
  );
  assert.deepEqual(
    parseV3Authorization('ACS3-HMAC-SHA256  Credential=AKID, SignedHeaders=Host; x-acs-action ,  Signature=00 '),
    { algorithm: 'ACS3-HMAC-SHA256', accessKeyId: 'AKID', signedHeaders: ['host', 'x-acs-action'], signature: '00' },
  );
  assert.equal(parseV3Authorization(''), undefined);
  assert.equal(parseV3Authorization('ACS3-HMAC-SHA256'), undefined);
  assert.equal(parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host'), undefined);
  assert.equal(parseV3Authorization('ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=00'), undefined);
  assert.equal(parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=xyz'), undefined);
  assert.equal(parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;;a,Signature=00'), undefined);
  assert.equal(parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=,Signature=00'), undefined);
  assert.equal(
    parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK,Credential=AK,SignedHeaders=host,Signature=00'),
    undefined,
  );
  assert.equal(parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=00,X=1'), undefined);
  assert.equal(parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK SignedHeaders=host,Signature=00'), undefined);
});

test('canonical request layout', () => {
  const req: V3Request = {
    method: 'POST',
    path: '/',
    rawQuery: 'b=2&a=x+y%2Bz&c=&A=%E4%B8%AD*',
    headers: { host: 'h', 'x-acs-date': ' d ', 'x-acs-multi': ['2', ' 1'] },
    payloadHash: sha256Hex(''),
  };
  assert.equal(
    v3CanonicalRequest(req, ['host', 'x-acs-date', 'x-acs-multi']),
    'POST\n/\nA=%E4%B8%AD%2A&a=x%20y%2Bz&b=2&c=\nhost:h\nx-acs-date:d\nx-acs-multi:1,2\n\n' +
      'host;x-acs-date;x-acs-multi\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
  assert.equal(v3StringToSign('abc'), 'ACS3-HMAC-SHA256\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex(new Uint8Array([0x61, 0x62, 0x63])), sha256Hex('abc'));
  // RFC 4231 test case 2
  assert.equal(
    v3Signature('Jefe', 'what do ya want for nothing?'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
});

interface Captured {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly headersDistinct: Readonly<Record<string, string[] | undefined>>;
  readonly body: Buffer;
}

async function loopback(t: { after(fn: () => unknown): void }): Promise<{ port: number; last: () => Captured }> {
  let captured: Captured | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        headersDistinct: req.headersDistinct,
        body: Buffer.concat(chunks),
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"RequestId":"x"}');
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    port,
    last: () => {
      assert.ok(captured, 'no request captured');
      return captured;
    },
  };
}

function toV3Request(c: Captured, distinct = false): V3Request {
  const q = c.url.indexOf('?');
  const hash = c.headers['x-acs-content-sha256'];
  assert.equal(typeof hash, 'string');
  return {
    method: c.method,
    path: q < 0 ? c.url : c.url.slice(0, q),
    rawQuery: q < 0 ? '' : c.url.slice(q + 1),
    headers: distinct ? c.headersDistinct : c.headers,
    payloadHash: hash as string,
  };
}

function verify(req: V3Request, authorization: string, secret: string): boolean {
  const auth = parseV3Authorization(authorization);
  assert.ok(auth);
  return v3Signature(secret, v3StringToSign(v3CanonicalRequest(req, auth.signedHeaders), auth.algorithm)) === auth.signature;
}

const SECRET = 'v3-secret/+=*~ü';

const QUERIES: Record<string, string>[] = [
  { RegionId: 'cn-hangzhou' },
  {
    RegionId: 'cn-hangzhou',
    LoadBalancerName: 'hello world',
    Star: 'a*b',
    Tilde: 'x~y',
    Plus: 'a+b',
    Punct: "it's (ok)!",
    Percent: '100%25',
    Amp: 'a&b=c',
    Unicode: 'ünïcødé 中文 😀',
    Empty: '',
    BackendServers: '[{"ServerId":"i-bp1","Weight":"100","Type":"ecs","Description":"a \\"quoted\\" [x]"}]',
    'A[1]': 'bracket key',
    AB: 'plain key',
    a: 'lower-case key',
    'Tag.1.Key': 'k',
    Ключ: 'unicode key',
  },
];

type Runtime = Parameters<InstanceType<typeof OpenApi.default>['callApi']>[2];

for (const body of [undefined, { Form: 'x y*', Json: '{"a":[1]}' }]) {
  test(`matches @alicloud/openapi-client V3 signatures (${body ? 'form body' : 'query only'})`, async (t) => {
    const srv = await loopback(t);
    const client = new OpenApi.default(
      new $OpenApi.Config({
        accessKeyId: 'AKID-v3',
        accessKeySecret: SECRET,
        endpoint: `127.0.0.1:${srv.port}`,
        protocol: 'http',
        readTimeout: 2000,
        connectTimeout: 2000,
      }),
    );
    const params = new $OpenApi.Params({
      action: 'DescribeRegions',
      version: '2014-05-15',
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    for (const query of QUERIES) {
      await client.callApi(params, new $OpenApi.OpenApiRequest({ query, body }), {} as Runtime);
      const got = srv.last();
      const authorization = got.headers.authorization;
      assert.equal(typeof authorization, 'string');
      const auth = parseV3Authorization(authorization as string);
      assert.ok(auth);
      assert.equal(auth.algorithm, 'ACS3-HMAC-SHA256');
      assert.equal(auth.accessKeyId, 'AKID-v3');
      assert.ok(auth.signedHeaders.includes('host') && auth.signedHeaders.includes('x-acs-content-sha256'));
      assert.equal(auth.signedHeaders.includes('content-type'), body !== undefined);

      const req = toV3Request(got);
      assert.equal(req.payloadHash, sha256Hex(got.body));
      assert.equal(got.body.length === 0, body === undefined);
      assert.ok(verify(req, authorization as string, SECRET), 'signature mismatch');
      assert.ok(verify(toV3Request(got, true), authorization as string, SECRET), 'mismatch with headersDistinct');
      assert.equal(verify(req, authorization as string, SECRET + 'x'), false);

      // Every query value reached the server; spaces came as %20, never '+'.
      const received = new URLSearchParams(req.rawQuery);
      for (const [k, v] of Object.entries(query)) assert.equal(received.get(k), v);
      assert.ok(!req.rawQuery.includes('+'));
      // A Go/Python client would have sent spaces as '+': same canonical request.
      assert.ok(verify({ ...req, rawQuery: req.rawQuery.replace(/%20/g, '+') }, authorization as string, SECRET));

      // Tamper: one query value changed, a signed header changed.
      const tampered = req.rawQuery.replace('RegionId=cn-hangzhou', 'RegionId=cn-beijing');
      assert.notEqual(tampered, req.rawQuery);
      assert.equal(verify({ ...req, rawQuery: tampered }, authorization as string, SECRET), false);
      const headers = { ...req.headers, 'x-acs-action': 'DeleteLoadBalancer' };
      assert.equal(verify({ ...req, headers }, authorization as string, SECRET), false);
    }
  });
}
