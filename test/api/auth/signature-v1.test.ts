import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import RPCClient from '@alicloud/pop-core';
import { percentEncode, v1Signature, v1StringToSign } from '../../../src/api/auth/signature-v1.js';

test('contract §3.3 test vector', () => {
  const params: [string, string][] = [
    ['Action', 'DescribeRegions'],
    ['Version', '2014-05-26'],
    ['TimeStamp', '2016-02-23T12:46:24Z'],
    ['SignatureVersion', '1.0'],
    ['SignatureNonce', '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf'],
    ['SignatureMethod', 'HMAC-SHA1'],
    ['Format', 'XML'],
    ['AccessKeyId', 'testid'],
    ['Signature', 'must-be-ignored'],
  ];
  const sts = v1StringToSign('GET', params);
  assert.equal(
    sts,
    'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1' +
      '%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0' +
      '%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
  );
  assert.equal(v1Signature('testsecret', sts), 'CT9X0VtwR86fNWSnsc6v8YGOjuE=');
});

test('percentEncode edge cases', () => {
  assert.equal(percentEncode('AZaz09-_.~'), 'AZaz09-_.~');
  assert.equal(percentEncode('a b'), 'a%20b');
  assert.equal(percentEncode('*'), '%2A');
  assert.equal(percentEncode('~'), '~');
  assert.equal(percentEncode('+'), '%2B');
  assert.equal(percentEncode("!'()"), '%21%27%28%29');
  assert.equal(percentEncode('/:=&%'), '%2F%3A%3D%26%25');
  assert.equal(percentEncode('ü'), '%C3%BC');
  assert.equal(percentEncode('中'), '%E4%B8%AD');
  assert.equal(percentEncode('😀'), '%F0%9F%98%80');
  assert.equal(percentEncode('\u00ff\n'), '%C3%BF%0A');
  assert.equal(percentEncode(''), '');
  assert.equal(percentEncode('\ud800'), '%EF%BF%BD'); // lone surrogate: no throw
});

test('empty values kept, Signature dropped, sort by raw key', () => {
  const sts = v1StringToSign('POST', [
    ['SignatureType', ''],
    ['Signature', 'x'],
    ['A[1]', '1'],
    ['AB', '2'],
    ['a', '3'],
  ]);
  // Raw-key order puts 'AB' before 'A[1]' ('B' < '['); encoded-key order would not ('%' < 'B').
  assert.equal(sts, 'POST&%2F&' + percentEncode('AB=2&A%5B1%5D=1&SignatureType=&a=3'));
});

test("'+' in a form-encoded value is a space and is signed as %20", () => {
  // Go SDK v1 writes spaces as '+' (url.Values.Encode); decoding is the caller's, with form semantics.
  const params = [...new URLSearchParams('Name=a+b%2Bc')];
  assert.deepEqual(params, [['Name', 'a b+c']]);
  assert.equal(v1StringToSign('GET', params), 'GET&%2F&Name%3Da%2520b%252Bc');
});

interface Captured {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

async function loopback(t: { after(fn: () => unknown): void }): Promise<{ port: number; last: () => Captured }> {
  let captured: Captured | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured = { method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') };
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

const SECRET = 'pop-secret/+=*~ü';

const CASES: Record<string, string | number>[] = [
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
    Num: 42,
    BackendServers: '[{"ServerId":"i-bp1","Weight":"100","Type":"ecs","Description":"a \\"quoted\\" [x]"}]',
    'A[1]': 'bracket key',
    AB: 'plain key',
    'Tag.1.Key': 'k',
  },
];

for (const method of ['GET', 'POST'] as const) {
  test(`matches @alicloud/pop-core signatures (${method})`, async (t) => {
    const srv = await loopback(t);
    const client = new RPCClient({
      accessKeyId: 'AKID-pop',
      accessKeySecret: SECRET,
      endpoint: `http://127.0.0.1:${srv.port}`,
      apiVersion: '2014-05-15',
    });
    for (const params of CASES) {
      await client.request('DescribeRegions', params, { method, timeout: 2000 });
      const got = srv.last();
      assert.equal(got.method, method);
      const url = new URL(got.url, 'http://127.0.0.1');
      const received = [...url.searchParams, ...new URLSearchParams(got.body)];
      const signature = received.filter(([k]) => k === 'Signature');
      assert.equal(signature.length, 1);
      const sts = v1StringToSign(got.method, received);
      assert.equal(v1Signature(SECRET, sts), signature[0]![1]);
      // Every parameter the client set reached the signed set, decoded.
      const byKey = new Map(received);
      for (const [k, v] of Object.entries(params)) assert.equal(byKey.get(k), String(v));
      // Tamper: one value changed -> different signature.
      const tampered = received.map(([k, v]): [string, string] => [k, k === 'RegionId' ? 'cn-beijing' : v]);
      assert.notEqual(v1Signature(SECRET, v1StringToSign(got.method, tampered)), signature[0]![1]);
    }
  });
}
