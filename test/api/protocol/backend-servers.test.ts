// The BackendServers decoder: every client dialect, the tolerant reader's limits and every validation error
// with its exact code and message (contract §0.2, §2.1, §5.4).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  type BackendServerInput,
  MAX_BACKEND_SERVERS_DEPTH,
  MAX_BACKEND_SERVERS_LENGTH,
  parseBackendServers,
} from '../../../src/api/protocol/backend-servers.js'
import { SlbError } from '../../../src/domain/errors.js'

const server = (fields: Partial<BackendServerInput> & { serverId: string }): BackendServerInput => ({
  weight: undefined,
  type: undefined,
  serverIp: undefined,
  port: undefined,
  description: undefined,
  ...fields,
})

const MALFORMED = ['BackendServersMalformed', 'the specified parameter BackendServers is unavailable.'] as const
const INVALID = ['InvalidParameter', 'The specified BackendServers is invalid.'] as const
const BAD_PORT = [
  'InvalidParameter',
  'The specified BackendServers is invalid, as the Port value should be in [1, 65535].',
] as const
const BAD_WEIGHT = ['InvalidWeight.Malformed', 'A specified weight is not valid.'] as const

const rejects = (raw: string, [code, message]: readonly [string, string]): void => {
  assert.throws(
    () => parseBackendServers(raw),
    (e: unknown) => {
      assert.ok(e instanceof SlbError, `not an SlbError: ${String(e)}`)
      assert.deepEqual({ code: e.code, status: e.httpStatus, message: e.message }, { code, status: 400, message })
      return true
    },
    raw.length > 200 ? `${raw.slice(0, 200)}…` : raw,
  )
}

test('docs dialect: strict JSON with string numbers', () => {
  const docs = '[{ "ServerId": "i-x", "Weight": "100", "Type": "ecs", "Port":"80","Description":"test-112" }]'
  assert.deepEqual(
    parseBackendServers(docs),
    [server({ serverId: 'i-x', weight: 100, type: 'ecs', port: 80, description: 'test-112' })],
  )
  assert.deepEqual(parseBackendServers('[{"ServerId":"vm-233","Weight":"0"},{"ServerId":"vm-234","Weight":"0"}]'), [
    server({ serverId: 'vm-233', weight: 0 }),
    server({ serverId: 'vm-234', weight: 0 }),
  ])
})

test('Terraform dialect: single quotes and string numbers, optional ServerIp', () => {
  assert.deepEqual(parseBackendServers("[{'ServerId':'i-x','Port':'80','Weight':'100', 'Type': 'ecs'}]"), [
    server({ serverId: 'i-x', weight: 100, type: 'ecs', port: 80 }),
  ])
  assert.deepEqual(
    parseBackendServers(
      "[{'ServerId':'eni-1','Weight':'100', 'Type': 'eni', 'ServerIp': '192.168.0.5'}," +
        "{'ServerId':'eni-1','Weight':'50', 'Type': 'eni', 'ServerIp': '192.168.0.6'}]",
    ),
    [
      server({ serverId: 'eni-1', weight: 100, type: 'eni', serverIp: '192.168.0.5' }),
      server({ serverId: 'eni-1', weight: 50, type: 'eni', serverIp: '192.168.0.6' }),
    ],
  )
  // Seed documents (ModifyVServerGroupBackendServers OldBackendServers: no weight).
  assert.deepEqual(parseBackendServers("[{'ServerId':'vm-233','Port':'80'},{'ServerId':'vm-232','Port':'90'}]"), [
    server({ serverId: 'vm-233', port: 80 }),
    server({ serverId: 'vm-232', port: 90 }),
  ])
})

test('Terraform attachment dialect: JSON numbers; string Port on delete', () => {
  assert.deepEqual(
    parseBackendServers('[{"Description":"tf-attachment","Port":80,"ServerId":"i-x","Type":"ecs","Weight":100}]'),
    [server({ serverId: 'i-x', weight: 100, type: 'ecs', port: 80, description: 'tf-attachment' })],
  )
  assert.deepEqual(parseBackendServers('[{"Port":"80","ServerId":"i-x","Type":"ecs"}]'), [
    server({ serverId: 'i-x', type: 'ecs', port: 80 }),
  ])
})

test('CCM dialect: lower-camel keys, unknown keys, null, booleans, nested TargetRef, serverIp ""', () => {
  const ccm =
    '[{"IsUserManaged":false,"NodeName":"cn-hangzhou.192.168.0.1",' +
    '"description":"k8s/30080/nginx-ingress/kube-system/c5e2a1b7f9d0c4e6a8b3d1f2e4c6a8b0d","serverId":"i-x",' +
    '"serverIp":"","weight":100,"port":30080,"type":"ecs","TargetRef":null,"Invalid":false},' +
    '{"IsUserManaged":false,"NodeName":"","description":"k8s/http/web/default/clusterid","serverId":"eni-y",' +
    '"serverIp":"10.0.0.7","weight":0,"port":8080,"type":"eni",' +
    '"TargetRef":{"kind":"Pod","namespace":"default","name":"web-0","uid":"u","resourceVersion":"1"},' +
    '"Invalid":true}]'
  assert.deepEqual(parseBackendServers(ccm), [
    server({
      serverId: 'i-x',
      weight: 100,
      type: 'ecs',
      port: 30080,
      description: 'k8s/30080/nginx-ingress/kube-system/c5e2a1b7f9d0c4e6a8b3d1f2e4c6a8b0d',
    }),
    server({
      serverId: 'eni-y',
      weight: 0,
      type: 'eni',
      serverIp: '10.0.0.7',
      port: 8080,
      description: 'k8s/http/web/default/clusterid',
    }),
  ])
})

test('legacy aliyungo dialect and empty list', () => {
  assert.deepEqual(parseBackendServers('[{"ServerId":"i-a","Weight":100,"Port":80}]'), [
    server({ serverId: 'i-a', weight: 100, port: 80 }),
  ])
  assert.deepEqual(parseBackendServers('[]'), [])
  assert.deepEqual(parseBackendServers(' \n[ \t]\r\n '), [])
})

test('a bare object is a one-item list', () => {
  assert.deepEqual(parseBackendServers('{"ServerId":"i-a","Weight":100,"Port":80}'), [
    server({ serverId: 'i-a', weight: 100, port: 80 }),
  ])
})

test('keys are case-insensitive; the last non-null spelling wins', () => {
  for (const key of ['ServerId', 'serverId', 'serverid', 'SERVERID', 'sErVeRiD']) {
    assert.deepEqual(parseBackendServers(`[{"${key}":"i-a","WEIGHT":"7","pOrT":9,"TYPE":"ECS"}]`), [
      server({ serverId: 'i-a', weight: 7, port: 9, type: 'ecs' }),
    ])
  }
  assert.deepEqual(parseBackendServers('[{"ServerId":"i-a","serverId":"i-b","Weight":1,"weight":2}]'), [
    server({ serverId: 'i-b', weight: 2 }),
  ])
  assert.deepEqual(parseBackendServers('[{"ServerId":"i-a","serverId":null,"Weight":5,"weight":null}]'), [
    server({ serverId: 'i-a', weight: 5 }),
  ])
  assert.deepEqual(parseBackendServers('[{"serverid":"i-a","type":"Eci","serverip":"10.1.1.1"}]'), [
    server({ serverId: 'i-a', type: 'eci', serverIp: '10.1.1.1' }),
  ])
})

test('null, "" and unknown keys of any shape count as absent', () => {
  assert.deepEqual(
    parseBackendServers(
      '[{"ServerId":"i-a","Weight":null,"Port":null,"Type":null,"ServerIp":null,"Description":null,' +
        '"VpcId":"vpc-1","Extra":[1,{"a":[true,false,null]},"x"],"Deep":{"b":{"c":{"d":[]}}},"N":-1.5e3}]',
    ),
    [server({ serverId: 'i-a' })],
  )
  assert.deepEqual(
    parseBackendServers('[{"ServerId":"i-a","Weight":"","Port":"  ","Type":"","ServerIp":"","Description":""}]'),
    [server({ serverId: 'i-a' })],
  )
})

test('quotes, apostrophes and escapes inside strings are data', () => {
  // An apostrophe or a single-quote escape in a double-quoted key or value; a double quote in a single-quoted one.
  assert.deepEqual(parseBackendServers(`[{"ServerId":"i-it's","Desc'x":"a'b","Weight":"1"}]`), [
    server({ serverId: "i-it's", weight: 1 }),
  ])
  assert.deepEqual(parseBackendServers(`[{'ServerId':'i-say"hi"','x':'"','Port':'2'}]`), [
    server({ serverId: 'i-say"hi"', port: 2 }),
  ])
  assert.deepEqual(parseBackendServers(String.raw`[{'ServerId':'i-it\'s','Weight':'3'}]`), [
    server({ serverId: "i-it's", weight: 3 }),
  ])
  assert.deepEqual(parseBackendServers(String.raw`[{"ServerId":"i-\"q\"\\\/\n\t\b\f\r\'","Weight":4}]`), [
    server({ serverId: 'i-"q"\\/\n\t\b\f\r\'', weight: 4 }),
  ])
  // A ',' '}' or ']' inside a string does not end anything.
  assert.deepEqual(parseBackendServers(`[{"x":"},]{'","ServerId":"i-a"}]`), [server({ serverId: 'i-a' })])
})

test('unicode escapes, including keys and CJK descriptions', () => {
  assert.deepEqual(
    parseBackendServers(String.raw`[{"\u0053erverId":"i-\u0041b","Description":"\u540e\u7aef\u670d\u52a1\u5668"}]`),
    [server({ serverId: 'i-Ab', description: '后端服务器' })],
  )
  assert.deepEqual(parseBackendServers('[{"ServerId":"i-a","Description":"后端服务器-1/组_a.b"}]'), [
    server({ serverId: 'i-a', description: '后端服务器-1/组_a.b' }),
  ])
  assert.deepEqual(parseBackendServers(String.raw`[{"ServerId":"i-\ud83d\ude00"}]`), [server({ serverId: 'i-😀' })])
})

test('numbers: digit strings trimmed, leading zeros, integral JSON numbers', () => {
  assert.deepEqual(parseBackendServers('[{"ServerId":"i-a","Weight":" 100 ","Port":"\\t080 "}]'), [
    server({ serverId: 'i-a', weight: 100, port: 80 }),
  ])
  assert.deepEqual(parseBackendServers('[{"ServerId":"i-a","Weight":050,"Port":00443}]'), [
    server({ serverId: 'i-a', weight: 50, port: 443 }),
  ])
  assert.deepEqual(parseBackendServers('[{"ServerId":"i-a","Weight":100.0,"Port":6.5535e4}]'), [
    server({ serverId: 'i-a', weight: 100, port: 65535 }),
  ])
  assert.deepEqual(parseBackendServers('[{"ServerId":"i-a","Weight":-0,"Port":1}]'), [
    server({ serverId: 'i-a', weight: 0, port: 1 }),
  ])
  assert.ok(Object.is(parseBackendServers('[{"ServerId":"i-a","Weight":-0}]')[0]?.weight, 0))
  assert.deepEqual(parseBackendServers('[{"ServerId":"i-a","Weight":"0000000000000000000000000000000000000000001"}]'), [
    server({ serverId: 'i-a', weight: 1 }),
  ])
})

test('Weight errors: InvalidWeight.Malformed', () => {
  for (const weight of [
    '101',
    '-1',
    '50.5',
    '1e400',
    '"101"',
    '"-1"',
    '"+5"',
    '"50.5"',
    '"5 0"',
    '"abc"',
    '"1e2"',
    '"0x10"',
    '"99999999999999999999"',
    '99999999999999999999',
    'true',
    'false',
    '[]',
    '{}',
    '[50]',
  ]) {
    rejects(`[{"ServerId":"i-a","Weight":${weight}}]`, BAD_WEIGHT)
  }
  assert.equal(parseBackendServers('[{"ServerId":"i-a","Weight":"100"}]')[0]?.weight, 100)
  assert.equal(parseBackendServers('[{"ServerId":"i-a","Weight":0}]')[0]?.weight, 0)
})

test('Port errors: InvalidParameter with the Port message', () => {
  for (const port of ['0', '65536', '-80', '80.5', '"0"', '"65536"', '"-80"', '"8o"', 'true', '{}', '["80"]']) {
    rejects(`[{"ServerId":"i-a","Port":${port}}]`, BAD_PORT)
  }
  assert.equal(parseBackendServers('[{"ServerId":"i-a","Port":"65535"}]')[0]?.port, 65535)
  assert.equal(parseBackendServers('[{"ServerId":"i-a","Port":1}]')[0]?.port, 1)
})

test('ServerId, Type, ServerIp and Description errors: InvalidParameter', () => {
  for (const item of [
    '{}',
    '{"Weight":100}',
    '{"ServerId":""}',
    '{"ServerId":"   "}',
    '{"ServerId":null}',
    '{"ServerId":123}',
    '{"ServerId":true}',
    '{"ServerId":["i-a"]}',
    '{"ServerId":{"id":"i-a"}}',
    '{"ServerId":"i-a","Type":"vm"}',
    '{"ServerId":"i-a","Type":" ecs"}',
    '{"ServerId":"i-a","Type":1}',
    '{"ServerId":"i-a","Type":true}',
    '{"ServerId":"i-a","ServerIp":1}',
    '{"ServerId":"i-a","ServerIp":false}',
    '{"ServerId":"i-a","Description":"has space"}',
    '{"ServerId":"i-a","Description":"semi;colon"}',
    `{"ServerId":"i-a","Description":"it's"}`,
    '{"ServerId":"i-a","Description":"tab\\there"}',
    '{"ServerId":"i-a","Description":"ünïcode"}',
    '{"ServerId":"i-a","Description":"emoji😀"}',
    '{"ServerId":"i-a","Description":"后端，服务器"}',
    '{"ServerId":"i-a","Description":" "}',
    '{"ServerId":"i-a","Description":12}',
    `{"ServerId":"i-a","Description":"${'a'.repeat(81)}"}`,
    `{"ServerId":"i-a","Description":"${'后'.repeat(81)}"}`,
  ]) {
    rejects(`[${item}]`, INVALID)
  }
  // Boundaries: 80 characters pass, counted in characters, not bytes or UTF-16 units.
  for (const description of ['a'.repeat(80), '后'.repeat(80)]) {
    const [item] = parseBackendServers(`[{"ServerId":"i-a","Description":"${description}"}]`)
    assert.equal(item?.description, description)
  }
  // ServerId is kept verbatim (no trimming).
  assert.equal(parseBackendServers('[{"ServerId":" i-a "}]')[0]?.serverId, ' i-a ')
})

test('field errors are reported in item order, then ServerId, Type, Weight, Port, ServerIp, Description', () => {
  rejects('[{"ServerId":"i-a","Weight":101},{"ServerId":"i-b","Port":0}]', BAD_WEIGHT)
  rejects('[{"ServerId":"i-a","Port":0},{"ServerId":"i-b","Weight":101}]', BAD_PORT)
  rejects('[{"Weight":101,"Port":0}]', INVALID)
  rejects('[{"ServerId":"i-a","Type":"x","Weight":101}]', INVALID)
  rejects('[{"ServerId":"i-a","Weight":101,"Port":0}]', BAD_WEIGHT)
  rejects('[{"ServerId":"i-a","Port":0,"Description":"bad desc"}]', BAD_PORT)
  // Shape errors anywhere in the list win over field errors.
  rejects('[{"ServerId":"i-a","Weight":101},"i-b"]', MALFORMED)
})

test('shape errors: BackendServersMalformed', () => {
  for (const raw of [
    '',
    '   ',
    'null',
    'true',
    '100',
    '"[]"',
    "'i-a'",
    '[null]',
    '["i-a"]',
    '[1]',
    '[[{"ServerId":"i-a"}]]',
    '[{"ServerId":"i-a"},null]',
  ]) {
    rejects(raw, MALFORMED)
  }
})

test('syntax errors: BackendServersMalformed', () => {
  for (const raw of [
    '[',
    ']',
    '[{',
    '[{}',
    '[{"ServerId":"i-a"}',
    '[{"ServerId":"i-a"]',
    '[{"ServerId":"i-a"}}]',
    '[{"ServerId":"i-a",}]',
    '[{"ServerId":"i-a"},]',
    '[,]',
    '[{"ServerId":"i-a"} {"ServerId":"i-b"}]',
    '[{"ServerId" "i-a"}]',
    '[{"ServerId"::"i-a"}]',
    '[{ServerId:"i-a"}]',
    '[{"ServerId":i-a}]',
    '[{"ServerId":"i-a\'}]',
    `[{'ServerId':'i-a"}]`,
    '[{"ServerId":"i-a}]',
    '[{"ServerId":"i-\\x41"}]',
    '[{"ServerId":"i-\\u00"}]',
    '[{"ServerId":"i-\\u00zz"}]',
    '[{"ServerId":"i-a\\',
    '[{"ServerId":"line\nbreak"}]',
    '[{"ServerId":"i-a","Weight":+5}]',
    '[{"ServerId":"i-a","Weight":.5}]',
    '[{"ServerId":"i-a","Weight":5.}]',
    '[{"ServerId":"i-a","Weight":1e}]',
    '[{"ServerId":"i-a","Weight":0x10}]',
    '[{"ServerId":"i-a","Weight":NaN}]',
    '[{"ServerId":"i-a","Weight":Infinity}]',
    '[{"ServerId":"i-a","Weight":-}]',
    '[{"ServerId":"i-a","Invalid":True}]',
    '[{"ServerId":"i-a","TargetRef":nul}]',
    '[{"ServerId":"i-a","Invalid":falsey}]',
    '[{"ServerId":"i-a",1:2}]',
    '[{"ServerId":"i-a"}]]',
    '[{"ServerId":"i-a"}] x',
    '[{"ServerId":"i-a"}][]',
    '[{"ServerId":"i-a"}],',
    '[] []',
    '{"ServerId":"i-a"} {"ServerId":"i-b"}',
    '\u00a0[]',
    '[{"ServerId":"i-a"}]\u0000',
  ]) {
    rejects(raw, MALFORMED)
  }
})

test('size limit', () => {
  const item = '{"ServerId":"i-a","Weight":100,"Port":80},'
  const body = (n: number): string => `[${item.repeat(n).slice(0, -1)}]`
  const count = Math.floor((MAX_BACKEND_SERVERS_LENGTH - 1) / item.length)
  const fits = body(count)
  assert.ok(fits.length <= MAX_BACKEND_SERVERS_LENGTH)
  assert.equal(parseBackendServers(fits).length, count)
  // Exactly one character over the limit, even of trailing whitespace, is refused before parsing.
  const padded = fits + ' '.repeat(MAX_BACKEND_SERVERS_LENGTH - fits.length)
  assert.equal(parseBackendServers(padded).length, count)
  rejects(`${padded} `, MALFORMED)
  rejects(body(count + 100), MALFORMED)
})

test('depth limit', () => {
  const nested = (levels: number): string =>
    `[{"ServerId":"i-a","Extra":${'['.repeat(levels)}${']'.repeat(levels)}}]`
  // The list and the item take two levels; the rest is left for unknown values.
  assert.deepEqual(parseBackendServers(nested(MAX_BACKEND_SERVERS_DEPTH - 2)), [server({ serverId: 'i-a' })])
  rejects(nested(MAX_BACKEND_SERVERS_DEPTH - 1), MALFORMED)
  const objects = (levels: number): string => `[{"ServerId":"i-a","T":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}]`
  assert.deepEqual(parseBackendServers(objects(MAX_BACKEND_SERVERS_DEPTH - 2)), [server({ serverId: 'i-a' })])
  rejects(objects(MAX_BACKEND_SERVERS_DEPTH - 1), MALFORMED)
  // Far deeper than the limit fails fast instead of overflowing the stack.
  rejects('['.repeat(30_000), MALFORMED)
  rejects('{"a":'.repeat(10_000), MALFORMED)
})

test('result items carry exactly the six documented fields', () => {
  const [item] = parseBackendServers('[{"ServerId":"i-a","VpcId":"vpc-1","__proto__":{"polluted":1}}]')
  assert.deepEqual(Object.keys(item ?? {}).sort(), ['description', 'port', 'serverId', 'serverIp', 'type', 'weight'])
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
})
