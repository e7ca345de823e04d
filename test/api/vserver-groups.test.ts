/**
 * VServer-group actions through the real clients: exact bodies, every member rule with its error, state
 * read back after every refusal, tags on groups, and one signed XML exchange (contract §2.1, §2.5, §5).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { XMLParser } from 'fast-xml-parser'
import { allClients, callError, ECS, openApi, popCore, signedXmlGet, type Body, type RpcCaller } from '../helpers/clients.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const REGION = 'cn-hangzhou'
const GROUP_ID = /^rsp-bp1[a-z0-9]{9}$/
const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/
const NOT_FOUND = 'The specified VServerGroupId does not exist.'
const BAD_NAME = 'The specified parameter "VServerGroupName" is not valid.'
const CONFLICT = 'InvalidBackendServers.ServerIpConflict'

// A fixed clock inside the signature window, so CreateTime is exact.
const NOW = Math.floor(Date.now() / 1000) * 1000 + 250
const CREATE_TIME = new Date(NOW).toISOString().replace(/\.\d{3}Z$/, 'Z')

type Start = Parameters<typeof startTestServer>
const start = (t: Start[0], options: Start[1] = {}) => startTestServer(t, { now: () => NOW, ...options })

/** A quota small enough to reach; everything else as configured by default. */
const quota = (backendServersPerLoadBalancer: number) => ({
  config: { quotas: { loadBalancersPerAccount: 60, tagsPerResource: 20, backendServersPerLoadBalancer } },
})

/** `count` Running instances at consecutive addresses from 127.2.0.`first`. */
const runInstances = async (c: RpcCaller, count: number, first?: number): Promise<string[]> => {
  const ip = first === undefined ? {} : { PrivateIpAddress: `127.2.0.${first}` }
  const body = await c.call('RunInstances', { RegionId: REGION, Amount: count, ...ip }, ECS)
  return body['InstanceIdSets']['InstanceIdSet']
}

const createLb = async (c: RpcCaller): Promise<string> =>
  (await c.call('CreateLoadBalancer', { RegionId: REGION }))['LoadBalancerId']

const createGroup = async (c: RpcCaller, lb: string, extra: Record<string, unknown> = {}): Promise<string> =>
  (await c.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb, ...extra }))['VServerGroupId']

const attribute = (c: RpcCaller, id: string): Promise<Body> =>
  c.call('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id })

const groupsOf = (c: RpcCaller, lb: string, extra: Record<string, unknown> = {}): Promise<Body> =>
  c.call('DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: lb, ...extra })

const call = (c: RpcCaller, action: string, id: string, params: Record<string, unknown>): Promise<Body> =>
  c.call(action, { RegionId: REGION, VServerGroupId: id, ...params })

/** Members as `serverId:port:weight:description`, the way Terraform and the CCM diff them. */
const summary = (body: Body): string[] =>
  body['BackendServers']['BackendServer'].map(
    (m: Body) => `${m['ServerId']}:${m['Port']}:${m['Weight']}:${m['Description']}`,
  )

/** A member exactly as Create/Add/Remove/Modify/Set return it. */
const member = (serverId: string, port: number, weight = 100, extra: Body = {}): Body => ({
  ServerId: serverId,
  Port: port,
  Weight: weight,
  Type: 'ecs',
  Description: '',
  ServerIp: '',
  VpcId: '',
  ServerRegionId: '',
  VbrId: '',
  ...extra,
})

const attrMember = (serverId: string, port: number, weight = 100, extra: Body = {}): Body => ({
  ...member(serverId, port, weight, extra),
  ProxyProtocolV2Enabled: false,
})

const json = (items: readonly Body[]): string => JSON.stringify(items)

/** The client's error: code, message and HTTP status (pop-core keeps the status in `entry`). */
const expectError = async (
  fn: () => Promise<unknown>,
  code: string,
  message: string | RegExp,
  status = 400,
): Promise<void> => {
  const e = await callError(fn)
  assert.equal(e.code, code, e.message)
  const text = String(e.data?.['Message'])
  if (typeof message === 'string') assert.equal(text, message)
  else assert.match(text, message)
  const got = e.statusCode ?? (e as { entry?: { response?: { statusCode?: number } } }).entry?.response?.statusCode
  assert.equal(got, status, `${code}: HTTP status`)
}

test('lifecycle through every client style: exact bodies, no wrapper, numbers as numbers', async (t) => {
  const s = await start(t)
  for (const client of allClients(s)) {
    const lb = await createLb(client)
    const [a, b, c] = await runInstances(client, 3)
    assert.ok(a !== undefined && b !== undefined && c !== undefined)

    // Created empty, as Terraform and the CCM do (contract §2.5).
    const created = await client.call('CreateVServerGroup', {
      RegionId: REGION,
      LoadBalancerId: lb,
      VServerGroupName: 'web.v1_a/b-c',
      'Tag.1.Key': 'env',
      'Tag.1.Value': 'prod',
    })
    assert.match(created['RequestId'], REQUEST_ID)
    assert.match(created['VServerGroupId'], GROUP_ID)
    const id: string = created['VServerGroupId']
    assert.deepEqual(created, {
      RequestId: created['RequestId'],
      VServerGroupId: id,
      BackendServers: { BackendServer: [] },
    })

    const empty = await attribute(client, id)
    assert.deepEqual(empty, {
      RequestId: empty['RequestId'],
      VServerGroupId: id,
      VServerGroupName: 'web.v1_a/b-c',
      LoadBalancerId: lb,
      CreateTime: CREATE_TIME,
      ServiceManagedMode: '',
      Tags: { Tag: [{ TagKey: 'env', TagValue: 'prod' }] },
      // Present even when empty: Terraform hard-errors otherwise (contract §2.5).
      BackendServers: { BackendServer: [] },
    })

    // One instance on two ports, plus another; the body is the whole group (contract §2.5).
    const added = await call(client, 'AddVServerGroupBackendServers', id, {
      BackendServers: json([
        { ServerId: a, Port: '80', Weight: '100', Type: 'ecs', Description: 'web-a' },
        { ServerId: a, Port: 8080, Weight: 50 },
        { ServerId: b, Port: 80 },
      ]),
    })
    assert.deepEqual(added, {
      RequestId: added['RequestId'],
      VServerGroupId: id,
      BackendServers: {
        BackendServer: [member(a, 80, 100, { Description: 'web-a' }), member(a, 8080, 50), member(b, 80)],
      },
    })
    const more = await call(client, 'AddVServerGroupBackendServers', id, {
      BackendServers: json([{ ServerId: c, Port: 81, Weight: 0 }]),
    })
    assert.deepEqual(more['BackendServers']['BackendServer'], [
      member(a, 80, 100, { Description: 'web-a' }),
      member(a, 8080, 50),
      member(b, 80),
      member(c, 81, 0),
    ])

    const listed = await groupsOf(client, lb)
    assert.deepEqual(listed, {
      RequestId: listed['RequestId'],
      VServerGroups: {
        VServerGroup: [
          {
            VServerGroupId: id,
            VServerGroupName: 'web.v1_a/b-c',
            ServerCount: 4,
            CreateTime: CREATE_TIME,
            ServiceManagedMode: '',
            Tags: { Tag: [{ TagKey: 'env', TagValue: 'prod' }] },
          },
        ],
      },
    })

    const set = await call(client, 'SetVServerGroupAttribute', id, {
      VServerGroupName: 'web-v2',
      BackendServers: json([{ ServerId: a, Port: 8080, Weight: 70, Description: 'alt' }]),
    })
    assert.deepEqual(set, {
      RequestId: set['RequestId'],
      VServerGroupId: id,
      VServerGroupName: 'web-v2',
      BackendServers: {
        BackendServer: [
          member(a, 80, 100, { Description: 'web-a' }),
          member(a, 8080, 70, { Description: 'alt' }),
          member(b, 80),
          member(c, 81, 0),
        ],
      },
    })

    const removed = await call(client, 'RemoveVServerGroupBackendServers', id, {
      BackendServers: json([{ ServerId: a, Port: 80 }]),
    })
    assert.deepEqual(removed, {
      RequestId: removed['RequestId'],
      VServerGroupId: id,
      BackendServers: {
        BackendServer: [member(a, 8080, 70, { Description: 'alt' }), member(b, 80), member(c, 81, 0)],
      },
    })

    const after = await attribute(client, id)
    assert.deepEqual(after['VServerGroupName'], 'web-v2')
    assert.deepEqual(after['BackendServers']['BackendServer'], [
      attrMember(a, 8080, 70, { Description: 'alt' }),
      attrMember(b, 80),
      attrMember(c, 81, 0),
    ])

    const deleted = await call(client, 'DeleteVServerGroup', id, {})
    assert.deepEqual(deleted, { RequestId: deleted['RequestId'] })
    await expectError(() => attribute(client, id), 'InvalidParameter', NOT_FOUND, 404)
    assert.deepEqual((await groupsOf(client, lb))['VServerGroups'], { VServerGroup: [] })
  }
})

test('CreateVServerGroup: default name, initial servers, and every refusal creates nothing', async (t) => {
  const s = await start(t, quota(4))
  const c = openApi(s, 'v3')
  const lb = await createLb(c)
  const [a, b, stopped] = await runInstances(c, 3, 10)
  await c.call('StopInstance', { RegionId: REGION, InstanceId: stopped }, ECS)

  // Without a name the group is named after its ID.
  const unnamed = await createGroup(c, lb)
  assert.equal((await attribute(c, unnamed))['VServerGroupName'], unnamed)

  // The seed's dialect (single quotes, string numbers); duplicates keep the first (contract §2.1).
  const withServers = await c.call('CreateVServerGroup', {
    RegionId: REGION,
    LoadBalancerId: lb,
    VServerGroupName: 'Group1',
    BackendServers: `[${[
      `{'ServerId':'${a}','Port':'80','Weight':'60'}`,
      `{'ServerId':'${a}','Port':'80','Weight':'10'}`,
      `{'ServerId':'${b}','Port':'90'}`,
    ].join(',')}]`,
  })
  assert.deepEqual(withServers['BackendServers']['BackendServer'], [member(a!, 80, 60), member(b!, 90)])
  const id: string = withServers['VServerGroupId']
  assert.deepEqual(summary(await attribute(c, id)), [`${a}:80:60:`, `${b}:90:100:`])

  const snapshot = async () => ({
    groups: (await groupsOf(c, lb))['VServerGroups']['VServerGroup'].map((g: Body) => g['VServerGroupId']),
    tags: (await c.call('ListTagResources', { RegionId: REGION, ResourceType: 'vservergroup' }))['TagResources'],
  })
  const before = await snapshot()
  // Oldest first; the fixed clock makes both equally old, and ties go by ID.
  assert.deepEqual(before.groups, [unnamed, id].sort())
  const refuse = async (params: Record<string, unknown>, code: string, message: string | RegExp, status = 400) => {
    await expectError(
      () => c.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb, ...params }),
      code,
      message,
      status,
    )
    assert.deepEqual(await snapshot(), before)
  }
  const server = (id: string | undefined, port = 80) => json([{ ServerId: id, Port: port }])

  await refuse({ LoadBalancerId: undefined }, 'MissingParameter', /"LoadBalancerId"/)
  await refuse({ RegionId: undefined }, 'MissingParameter', /"RegionId"/)
  await refuse(
    { LoadBalancerId: 'lb-bp1missing' },
    'InvalidLoadBalancerId.NotFound',
    'The specified LoadBalancerId does not exist.',
    404,
  )
  // A load balancer of another region is not found there.
  await expectError(
    () => c.call('CreateVServerGroup', { RegionId: 'cn-beijing', LoadBalancerId: lb }),
    'InvalidLoadBalancerId.NotFound',
    'The specified LoadBalancerId does not exist.',
    404,
  )
  for (const name of ['has space', 'x'.repeat(81), 'a:b', 'semi;colon']) {
    await refuse({ VServerGroupName: name }, 'InvalidParameter', BAD_NAME)
  }
  await refuse({ BackendServers: server(stopped) }, 'ObtainIpFail', /do not exist or are not running/)
  await refuse({ BackendServers: server('i-bp1nothere') }, 'ObtainIpFail', /do not exist or are not running/)
  await refuse(
    { BackendServers: json([{ ServerId: a }]) },
    'InvalidParameter',
    'The specified BackendServers is invalid, as the Port value should be in [1, 65535].',
  )
  await refuse({ BackendServers: '[{"ServerId":' }, 'BackendServersMalformed', /BackendServers is unavailable/)
  // 41 items exceed the per-call limit even though they repeat one server.
  await refuse(
    { BackendServers: json(Array.from({ length: 41 }, () => ({ ServerId: a, Port: 80 }))) },
    'TooManyBackendServers',
    'The total number of input real servers exceeds max supported number: 40',
  )
  // 2 members already + 3 new > 4 per load balancer (contract §6).
  await refuse(
    { BackendServers: json([81, 82, 83].map((port) => ({ ServerId: a, Port: port }))) },
    'InstanceBackendServerNumberOverLimit',
    'The backend server number has reached to the quota limit of this load balancer.',
  )
  await refuse({ 'Tag.1.Key': 'aliyun-x' }, 'InvalidTagKey', 'The specified tag key is invalid.')
  const tags21 = Object.fromEntries(Array.from({ length: 21 }, (_, k) => [`Tag.${k + 1}.Key`, `k${k}`]))
  await refuse(tags21, 'TagCreateCountLimit', 'tags create count limit exceeded.')

  // Up to the quota is fine.
  const fits = await c.call('CreateVServerGroup', {
    RegionId: REGION,
    LoadBalancerId: lb,
    BackendServers: json([{ ServerId: b, Port: 91 }, { ServerId: b, Port: 92 }]),
  })
  assert.equal(fits['BackendServers']['BackendServer'].length, 2)
})

test('AddVServerGroupBackendServers: identity, replays, conflicts, limits; refusals write nothing', async (t) => {
  const s = await start(t, quota(8))
  const c = popCore(s, 'POST')
  const lb = await createLb(c)
  const [a, b, stopped] = await runInstances(c, 3, 20)
  await c.call('StopInstance', { RegionId: REGION, InstanceId: stopped }, ECS)
  const id = await createGroup(c, lb, { VServerGroupName: 'add' })
  const add = (servers: string) => call(c, 'AddVServerGroupBackendServers', id, { BackendServers: servers })

  // First of each (ServerId, Port) wins; one server on two ports is two members.
  const first = await add(
    json([
      { ServerId: a, Port: 80, Weight: 30, Description: 'one' },
      { ServerId: a, Port: 80, Weight: 99 },
      { ServerId: a, Port: 81 },
    ]),
  )
  assert.deepEqual(summary(first), [`${a}:80:30:one`, `${a}:81:100:`])

  // An identical re-add (Terraform's replayed batch, contract §0.4) succeeds and changes nothing; an
  // item without Weight or Description does not contradict the member either.
  const replay = await add(json([{ ServerId: a, Port: 80, Weight: 30, Description: 'one' }]))
  assert.deepEqual(summary(replay), [`${a}:80:30:one`, `${a}:81:100:`])
  await add(json([{ ServerId: a, Port: '80' }, { ServerId: b, Port: 80 }]))
  const state = await attribute(c, id)
  assert.deepEqual(summary(state), [`${a}:80:30:one`, `${a}:81:100:`, `${b}:80:100:`])

  const refuse = async (servers: string | undefined, code: string, message: string | RegExp, status = 400) => {
    const params = servers === undefined ? {} : { BackendServers: servers }
    await expectError(() => call(c, 'AddVServerGroupBackendServers', id, params), code, message, status)
    assert.deepEqual(summary(await attribute(c, id)), summary(state))
  }
  // A re-add with other attributes is a conflict, and the new server listed first is not added either.
  await refuse(
    json([{ ServerId: b, Port: 81 }, { ServerId: a, Port: 80, Weight: 31 }]),
    CONFLICT,
    `The backend server ${a} already exists.`,
  )
  await refuse(json([{ ServerId: a, Port: 80, Description: 'two' }]), CONFLICT, /already exists/)
  // One bad server fails the whole call.
  await refuse(json([{ ServerId: b, Port: 82 }, { ServerId: stopped, Port: 82 }]), 'ObtainIpFail', /not running/)
  await refuse(json([{ ServerId: 'i-bp1nothere', Port: 82 }]), 'ObtainIpFail', /not running/)
  // An ECI has no inventory here, so it never resolves.
  await refuse(json([{ ServerId: 'eci-bp1x', Port: 82, Type: 'eci' }]), 'ObtainIpFail', /not running/)
  await refuse(undefined, 'MissingParameter', /"BackendServers"/)
  await refuse('not json', 'BackendServersMalformed', 'the specified parameter BackendServers is unavailable.')
  const badPort = 'The specified BackendServers is invalid, as the Port value should be in [1, 65535].'
  await refuse(json([{ ServerId: b, Weight: 10 }]), 'InvalidParameter', badPort)
  await refuse(json([{ ServerId: b, Port: 0 }]), 'InvalidParameter', badPort)
  await refuse(json([{ ServerId: b, Port: '65536' }]), 'InvalidParameter', badPort)
  const badWeight = 'A specified weight is not valid.'
  await refuse(json([{ ServerId: b, Port: 82, Weight: 101 }]), 'InvalidWeight.Malformed', badWeight)
  await refuse(json([{ Port: 82 }]), 'InvalidParameter', 'The specified BackendServers is invalid.')
  await refuse(
    json(Array.from({ length: 41 }, (_, k) => ({ ServerId: b, Port: 1000 + k }))),
    'TooManyBackendServers',
    'The total number of input real servers exceeds max supported number: 40',
  )
  // 3 members + 6 new > 8 per load balancer; the count spans every group of the instance (contract §6).
  const other = await createGroup(c, lb, { BackendServers: json([{ ServerId: b, Port: 9000 }]) })
  await refuse(
    json([1, 2, 3, 4, 5].map((k) => ({ ServerId: b, Port: 100 + k }))),
    'InstanceBackendServerNumberOverLimit',
    'The backend server number has reached to the quota limit of this load balancer.',
  )
  // Re-adding existing members never counts against the quota.
  await add(json([{ ServerId: a, Port: 80 }, { ServerId: a, Port: 81 }, { ServerId: b, Port: 80 }]))

  // Not found: a wrong ID, and a right ID asked for in another region (contract §0.5).
  await expectError(
    () =>
      call(c, 'AddVServerGroupBackendServers', 'rsp-bp1missing', {
        BackendServers: json([{ ServerId: b, Port: 1 }]),
      }),
    'InvalidParameter',
    NOT_FOUND,
    404,
  )
  await expectError(
    () =>
      c.call('AddVServerGroupBackendServers', {
        RegionId: 'cn-beijing',
        VServerGroupId: id,
        BackendServers: json([{ ServerId: b, Port: 1 }]),
      }),
    'InvalidParameter',
    NOT_FOUND,
    404,
  )
  await expectError(
    () => c.call('AddVServerGroupBackendServers', { VServerGroupId: id, BackendServers: json([]) }),
    'MissingParameter',
    /"RegionId"/,
  )
  // "[]" (Terraform's empty chunk when not replayed) is a no-op.
  assert.deepEqual(summary(await add('[]')), summary(state))
  assert.deepEqual(summary(await attribute(c, other)), [`${b}:9000:100:`])

  // Exactly 40 in one call is accepted (contract §0.3), within a larger quota on a fresh server.
  const big = await start(t)
  const o = openApi(big, 'v2')
  const bigLb = await createLb(o)
  const forty = await runInstances(o, 40)
  const bigGroup = await createGroup(o, bigLb)
  const res = await call(o, 'AddVServerGroupBackendServers', bigGroup, {
    BackendServers: json(forty.map((serverId) => ({ ServerId: serverId, Port: 80 }))),
  })
  assert.deepEqual(
    res['BackendServers']['BackendServer'].map((m: Body) => m['ServerId']),
    forty,
  )
})

test('ENI members: identified by ServerIp, resolved to the primary address, removed by it', async (t) => {
  const s = await start(t)
  const c = openApi(s, 'v3')
  const lb = await createLb(c)
  const eni = await c.call('CreateNetworkInterface', { RegionId: REGION, PrimaryIpAddress: '127.2.0.40' }, ECS)
  const eniId: string = eni['NetworkInterfaceId']
  const id = await createGroup(c, lb)
  const eniMember = (port: number, weight = 100) => member(eniId, port, weight, { Type: 'eni', ServerIp: '127.2.0.40' })

  const added = await call(c, 'AddVServerGroupBackendServers', id, {
    BackendServers: json([
      { ServerId: eniId, Type: 'eni', ServerIp: '127.2.0.40', Port: 80 },
      // Without ServerIp the ENI's primary address is taken (contract §2.1).
      { ServerId: eniId, Type: 'eni', Port: 81, Weight: 5 },
    ]),
  })
  assert.deepEqual(added['BackendServers']['BackendServer'], [eniMember(80), eniMember(81, 5)])
  await expectError(
    () =>
      call(c, 'AddVServerGroupBackendServers', id, {
        BackendServers: json([{ ServerId: eniId, Type: 'eni', ServerIp: '127.2.0.41', Port: 82 }]),
      }),
    'ObtainIpFail',
    /not running/,
  )
  // Another address of the same ENI is another member, so it matches nothing on removal.
  const kept = await call(c, 'RemoveVServerGroupBackendServers', id, {
    BackendServers: json([{ ServerId: eniId, Type: 'eni', ServerIp: '127.2.0.99', Port: 80 }]),
  })
  assert.equal(kept['BackendServers']['BackendServer'].length, 2)
  const set = await call(c, 'SetVServerGroupAttribute', id, {
    BackendServers: json([{ ServerId: eniId, Type: 'eni', ServerIp: '127.2.0.40', Port: 80, Weight: 9 }]),
  })
  assert.deepEqual(set['BackendServers']['BackendServer'], [eniMember(80, 9), eniMember(81, 5)])
  const removed = await call(c, 'RemoveVServerGroupBackendServers', id, {
    BackendServers: json([{ ServerId: eniId, Type: 'eni', Port: 81 }]),
  })
  assert.deepEqual(removed['BackendServers']['BackendServer'], [eniMember(80, 9)])
  const attr = await attribute(c, id)
  assert.deepEqual(attr['BackendServers']['BackendServer'], [
    { ...eniMember(80, 9), ProxyProtocolV2Enabled: false },
  ])
})

test('RemoveVServerGroupBackendServers: absent ignored, Port required, stopped removable', async (t) => {
  const s = await start(t)
  const c = openApi(s, 'v2')
  const lb = await createLb(c)
  const [a, b] = await runInstances(c, 2, 50)
  const id = await createGroup(c, lb, {
    BackendServers: json([{ ServerId: a, Port: 80 }, { ServerId: a, Port: 81 }, { ServerId: b, Port: 80 }]),
  })
  const remove = (servers: string) => call(c, 'RemoveVServerGroupBackendServers', id, { BackendServers: servers })

  // Absent members (another port, an unknown server) are ignored without error (contract §2.1).
  const res = await remove(
    json([{ ServerId: a, Port: '81' }, { ServerId: a, Port: 9999 }, { ServerId: 'i-bp1gone', Port: 80 }]),
  )
  assert.deepEqual(summary(res), [`${a}:80:100:`, `${b}:80:100:`])

  const state = summary(await attribute(c, id))
  const badPort = 'The specified BackendServers is invalid, as the Port value should be in [1, 65535].'
  for (const servers of [json([{ ServerId: a }]), json([{ ServerId: b, Port: 80 }, { ServerId: a }])]) {
    await expectError(() => remove(servers), 'InvalidParameter', badPort)
    assert.deepEqual(summary(await attribute(c, id)), state)
  }
  await expectError(
    () => remove(json(Array.from({ length: 41 }, (_, k) => ({ ServerId: a, Port: k + 1 })))),
    'TooManyBackendServers',
    /max supported number: 40/,
  )
  assert.deepEqual(summary(await attribute(c, id)), state)
  await expectError(
    () =>
      call(c, 'RemoveVServerGroupBackendServers', 'rsp-bp1missing', {
        BackendServers: json([{ ServerId: a, Port: 80 }]),
      }),
    'InvalidParameter',
    NOT_FOUND,
    404,
  )

  // A stopped instance is still removable: removal resolves nothing.
  await c.call('StopInstance', { RegionId: REGION, InstanceId: b }, ECS)
  const last = await remove(json([{ ServerId: b, Port: 80 }]))
  assert.deepEqual(summary(last), [`${a}:80:100:`])
})

test('ModifyVServerGroupBackendServers: equal counts, Old must be members, New resolved; atomic', async (t) => {
  const s = await start(t, quota(5))
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  const [a, b, d, stopped] = await runInstances(c, 4, 60)
  await c.call('StopInstance', { RegionId: REGION, InstanceId: stopped }, ECS)
  const id = await createGroup(c, lb, {
    BackendServers: json([{ ServerId: a, Port: 80 }, { ServerId: b, Port: 80, Weight: 20 }]),
  })
  const modify = (oldServers: unknown, newServers: unknown) =>
    call(c, 'ModifyVServerGroupBackendServers', id, {
      ...(oldServers === undefined ? {} : { OldBackendServers: json(oldServers as Body[]) }),
      ...(newServers === undefined ? {} : { NewBackendServers: json(newServers as Body[]) }),
    })

  // The seed's example dialect; the body is the whole group after the replacement.
  const res = await call(c, 'ModifyVServerGroupBackendServers', id, {
    OldBackendServers: `[{'ServerId':'${a}','Port':'80'}]`,
    NewBackendServers: `[{'ServerId':'${d}','Port':'8080','Weight':'100'}]`,
  })
  assert.deepEqual(res, {
    RequestId: res['RequestId'],
    VServerGroupId: id,
    BackendServers: { BackendServer: [member(b!, 80, 20), member(d!, 8080)] },
  })
  // A member replaced by itself takes New's attributes.
  const same = await modify([{ ServerId: b, Port: 80 }], [{ ServerId: b, Port: 80, Weight: 70, Description: 'x' }])
  assert.deepEqual(summary(same), [`${d}:8080:100:`, `${b}:80:70:x`])
  // Neither list: nothing to replace.
  assert.deepEqual(summary(await modify(undefined, undefined)), summary(same))

  const state = summary(await attribute(c, id))
  const refuse = async (oldServers: unknown, newServers: unknown, code: string, message: string | RegExp) => {
    await expectError(() => modify(oldServers, newServers), code, message)
    assert.deepEqual(summary(await attribute(c, id)), state)
  }
  const counts = 'The number of OldBackendServers must be equal to the number of NewBackendServers.'
  await refuse([{ ServerId: d, Port: 8080 }], [], 'InvalidParameter', counts)
  await refuse([{ ServerId: d, Port: 8080 }], undefined, 'InvalidParameter', counts)
  await refuse(undefined, [{ ServerId: a, Port: 1 }], 'InvalidParameter', counts)
  await refuse(
    [{ ServerId: d, Port: 8080 }, { ServerId: a, Port: 80 }],
    [{ ServerId: a, Port: 1 }, { ServerId: a, Port: 2 }],
    'InvalidParameter',
    'The specified OldBackendServers is invalid; some of the specified backend servers are not in the VServer group.',
  )
  await refuse([{ ServerId: d, Port: 8080 }], [{ ServerId: stopped, Port: 1 }], 'ObtainIpFail', /not running/)
  const many = Array.from({ length: 41 }, () => ({ ServerId: d, Port: 8080 }))
  await refuse(many, many, 'TooManyBackendServers', /max supported number: 40/)
  await refuse([{ ServerId: d, Port: 8080 }], [{ ServerId: a }], 'InvalidParameter', /Port value/)
  await refuse([{ ServerId: d }], [{ ServerId: a, Port: 1 }], 'InvalidParameter', /Port value/)
  // New may not contradict a member that stays.
  await refuse(
    [{ ServerId: d, Port: 8080 }],
    [{ ServerId: b, Port: 80, Weight: 1 }],
    'InvalidBackendServers.ServerIpConflict',
    `The backend server ${b} already exists.`,
  )
  // The quota counts the group after the replacement: 2 members - 1 + 2 (one is a duplicate) fits 5 …
  const two = await modify(
    [
      { ServerId: d, Port: 8080 },
      { ServerId: d, Port: 8080 },
    ],
    [
      { ServerId: a, Port: 1 },
      { ServerId: a, Port: 2 },
    ],
  )
  assert.deepEqual(summary(two), [`${b}:80:70:x`, `${a}:1:100:`, `${a}:2:100:`])
  // … and 3 - 1 + 4 does not (another group holds one more).
  await createGroup(c, lb, { BackendServers: json([{ ServerId: a, Port: 7 }]) })
  const now = summary(await attribute(c, id))
  await expectError(
    () =>
      modify(
        [{ ServerId: a, Port: 1 }, { ServerId: a, Port: 1 }, { ServerId: a, Port: 1 }],
        [3, 4, 5].map((port) => ({ ServerId: d, Port: port })),
      ),
    'InstanceBackendServerNumberOverLimit',
    /quota limit/,
  )
  assert.deepEqual(summary(await attribute(c, id)), now)
  await expectError(
    () => call(c, 'ModifyVServerGroupBackendServers', 'rsp-bp1missing', {}),
    'InvalidParameter',
    NOT_FOUND,
    404,
  )
})

test('SetVServerGroupAttribute: name, weights and descriptions; unknown members ignored', async (t) => {
  const s = await start(t)
  const c = openApi(s, 'v3')
  const lb = await createLb(c)
  const [a, b] = await runInstances(c, 2, 70)
  const id = await createGroup(c, lb, {
    VServerGroupName: 'before',
    BackendServers: json([{ ServerId: a, Port: 80 }, { ServerId: a, Port: 81 }, { ServerId: b, Port: 80 }]),
  })
  const set = (params: Record<string, unknown>) => call(c, 'SetVServerGroupAttribute', id, params)

  // The name alone (Terraform sends it on every update, contract §7.1).
  const renamed = await set({ VServerGroupName: 'after' })
  assert.equal(renamed['VServerGroupName'], 'after')
  assert.deepEqual(summary(renamed), [`${a}:80:100:`, `${a}:81:100:`, `${b}:80:100:`])
  // Without a name the current one is reported and kept.
  const weights = await set({
    BackendServers: json([
      { ServerId: a, Port: '81', Weight: '0', Description: 'drain' },
      // Duplicates: the first wins. Unknown members (another port, another server) are ignored.
      { ServerId: a, Port: 81, Weight: 50 },
      { ServerId: a, Port: 82, Weight: 1 },
      { ServerId: 'i-bp1unknown', Port: 80, Weight: 1 },
      // Port and Description only: the weight stays.
      { ServerId: b, Port: 80, Description: 'b' },
    ]),
  })
  assert.equal(weights['VServerGroupName'], 'after')
  assert.deepEqual(summary(weights), [`${a}:80:100:`, `${a}:81:0:drain`, `${b}:80:100:b`])
  const state = await attribute(c, id)
  assert.equal(state['VServerGroupName'], 'after')
  assert.deepEqual(summary(state), summary(weights))

  const refuse = async (params: Record<string, unknown>, code: string, message: string | RegExp) => {
    await expectError(() => set(params), code, message)
    const now = await attribute(c, id)
    assert.deepEqual([now['VServerGroupName'], ...summary(now)], [state['VServerGroupName'], ...summary(state)])
  }
  // Every item is checked before anything changes, the name included.
  await refuse(
    { VServerGroupName: 'not-applied', BackendServers: json([{ ServerId: a, Port: 80, Weight: 5 }, { ServerId: b }]) },
    'InvalidParameter',
    /Port value/,
  )
  await refuse({ VServerGroupName: 'bad name' }, 'InvalidParameter', BAD_NAME)
  await refuse({ BackendServers: json([{ ServerId: a, Port: 80, Weight: -1 }]) }, 'InvalidWeight.Malformed', /weight/)
  await refuse(
    { BackendServers: json([{ ServerId: a, Port: 80, Description: 'has space' }]) },
    'InvalidParameter',
    'The specified BackendServers is invalid.',
  )
  await refuse(
    { BackendServers: json(Array.from({ length: 41 }, (_, k) => ({ ServerId: a, Port: k + 1 }))) },
    'TooManyBackendServers',
    /40/,
  )
  await expectError(
    () => call(c, 'SetVServerGroupAttribute', 'rsp-bp1missing', { VServerGroupName: 'x' }),
    'InvalidParameter',
    NOT_FOUND,
    404,
  )
})

test('DescribeVServerGroups: per load balancer, name and tag filters, associated objects', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  const otherLb = await createLb(c)
  const [a] = await runInstances(c, 1, 80)
  const k8s = await createGroup(c, lb, {
    VServerGroupName: 'k8s/30080/nginx/default/c1',
    BackendServers: json([{ ServerId: a, Port: 30080 }, { ServerId: a, Port: 30081 }]),
    'Tag.1.Key': 'owner',
    'Tag.1.Value': 'ccm',
  })
  const tf = await createGroup(c, lb, {
    VServerGroupName: 'tf-server-group',
    'Tag.1.Key': 'owner',
    'Tag.1.Value': 'tf',
  })
  await createGroup(c, otherLb, { VServerGroupName: 'k8s/1/other/default/c1' })

  // Groups created in the same millisecond (here: the fixed clock) are listed by ID.
  const ids = (body: Body): string[] =>
    body['VServerGroups']['VServerGroup'].map((g: Body) => g['VServerGroupId']).sort()
  const all = await groupsOf(c, lb)
  assert.deepEqual(ids(all), [k8s, tf].sort())
  assert.deepEqual(
    all['VServerGroups']['VServerGroup'].map((g: Body) => [g['VServerGroupId'], g['ServerCount']]).sort(),
    [
      [k8s, 2],
      [tf, 0],
    ].sort(),
  )
  // Description matches names containing it; an exact name is one such match.
  assert.deepEqual(ids(await groupsOf(c, lb, { Description: 'k8s/30080/' })), [k8s])
  assert.deepEqual(ids(await groupsOf(c, lb, { Description: 'tf-server-group' })), [tf])
  assert.deepEqual(ids(await groupsOf(c, lb, { Description: 'server' })), [tf])
  assert.deepEqual(ids(await groupsOf(c, lb, { Description: 'nothing' })), [])
  // Tag.N: every given tag; a key alone matches any value.
  assert.deepEqual(ids(await groupsOf(c, lb, { 'Tag.1.Key': 'owner', 'Tag.1.Value': 'tf' })), [tf])
  assert.deepEqual(ids(await groupsOf(c, lb, { 'Tag.1.Key': 'owner' })), [k8s, tf].sort())
  assert.deepEqual(ids(await groupsOf(c, lb, { 'Tag.1.Key': 'owner', 'Tag.2.Key': 'missing' })), [])

  // Listeners and rules appear as empty wrappers until something uses the group (contract §2.5).
  const withUsers = await groupsOf(c, lb, { IncludeListener: true, IncludeRule: true, Description: 'tf' })
  assert.deepEqual(withUsers['VServerGroups']['VServerGroup'], [
    {
      VServerGroupId: tf,
      VServerGroupName: 'tf-server-group',
      ServerCount: 0,
      CreateTime: CREATE_TIME,
      ServiceManagedMode: '',
      Tags: { Tag: [{ TagKey: 'owner', TagValue: 'tf' }] },
      AssociatedObjects: { Listeners: { Listener: [] }, Rules: { Rule: [] } },
    },
  ])
  const listenersOnly = await groupsOf(c, lb, { IncludeListener: 'true', Description: 'tf' })
  assert.deepEqual(listenersOnly['VServerGroups']['VServerGroup'][0]['AssociatedObjects'], {
    Listeners: { Listener: [] },
  })

  await expectError(
    () => groupsOf(c, 'lb-bp1missing'),
    'InvalidLoadBalancerId.NotFound',
    'The specified LoadBalancerId does not exist.',
    404,
  )
  await expectError(() => groupsOf(c, lb, { IncludeRule: 'yes' }), 'InvalidParameter', /"IncludeRule"/)
  await expectError(
    () => c.call('DescribeVServerGroups', { RegionId: REGION }),
    'MissingParameter',
    /"LoadBalancerId"/,
  )
})

test('DeleteVServerGroup and tags on groups: one transaction, quota freed, 404 everywhere', async (t) => {
  const s = await start(t, quota(2))
  const c = openApi(s, 'v3')
  const lb = await createLb(c)
  const [a] = await runInstances(c, 1, 90)
  const id = await createGroup(c, lb, {
    BackendServers: json([{ ServerId: a, Port: 80 }, { ServerId: a, Port: 81 }]),
    'Tag.1.Key': 'env',
    'Tag.1.Value': 'prod',
  })
  const tagsOf = async (ids: readonly string[]) =>
    (
      await c.call('ListTagResources', {
        RegionId: REGION,
        ResourceType: 'vservergroup',
        ...Object.fromEntries(ids.map((g, i) => [`ResourceId.${i + 1}`, g])),
      })
    )['TagResources']['TagResource']

  // TagResources / UntagResources / ListTagResources with ResourceType=vservergroup (contract §2.6).
  await c.call('TagResources', {
    RegionId: REGION,
    ResourceType: 'vservergroup',
    'ResourceId.1': id,
    'Tag.1.Key': 'team',
    'Tag.1.Value': 'net',
  })
  assert.deepEqual(await tagsOf([id]), [
    { ResourceType: 'vservergroup', ResourceId: id, TagKey: 'env', TagValue: 'prod' },
    { ResourceType: 'vservergroup', ResourceId: id, TagKey: 'team', TagValue: 'net' },
  ])
  await c.call('UntagResources', {
    RegionId: REGION,
    ResourceType: 'vservergroup',
    'ResourceId.1': id,
    'TagKey.1': 'env',
  })
  assert.deepEqual((await attribute(c, id))['Tags'], { Tag: [{ TagKey: 'team', TagValue: 'net' }] })
  await expectError(
    () =>
      c.call('TagResources', {
        RegionId: REGION,
        ResourceType: 'vservergroup',
        'ResourceId.1': id,
        'ResourceId.2': 'rsp-bp1missing',
        'Tag.1.Key': 'k',
      }),
    'InvalidResourceId.NotFound',
    'The specified resource does not exist.',
    404,
  )
  assert.deepEqual((await attribute(c, id))['Tags'], { Tag: [{ TagKey: 'team', TagValue: 'net' }] })

  // The load balancer is full; deleting the group frees its memberships, tags go with it.
  await expectError(
    () => createGroup(c, lb, { BackendServers: json([{ ServerId: a, Port: 1 }]) }),
    'InstanceBackendServerNumberOverLimit',
    /quota limit/,
  )
  await call(c, 'DeleteVServerGroup', id, {})
  assert.deepEqual(await tagsOf([id]), [])
  const again = await createGroup(c, lb, {
    BackendServers: json([
      { ServerId: a, Port: 80 },
      { ServerId: a, Port: 81 },
    ]),
  })
  assert.equal((await attribute(c, again))['BackendServers']['BackendServer'].length, 2)

  // Every action names a missing group the same way: InvalidParameter, HTTP 404 (contract §0.5).
  const servers = json([{ ServerId: a, Port: 80 }])
  for (const [action, params] of [
    ['DescribeVServerGroupAttribute', {}],
    ['DeleteVServerGroup', {}],
    ['AddVServerGroupBackendServers', { BackendServers: servers }],
    ['RemoveVServerGroupBackendServers', { BackendServers: servers }],
    ['ModifyVServerGroupBackendServers', { OldBackendServers: servers, NewBackendServers: servers }],
    ['SetVServerGroupAttribute', { VServerGroupName: 'x' }],
  ] as const) {
    await expectError(() => call(c, action, id, params), 'InvalidParameter', NOT_FOUND, 404)
  }
  await expectError(
    () => c.call('DescribeVServerGroupAttribute', { RegionId: REGION }),
    'MissingParameter',
    /"VServerGroupId"/,
  )
})


test('XML: AddVServerGroupBackendServers, DescribeVServerGroupAttribute and the not-found error', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  const [a, b] = await runInstances(c, 2, 100)
  const id = await createGroup(c, lb, { VServerGroupName: 'xml' })
  const parser = new XMLParser({ parseTagValue: false })

  const added = await signedXmlGet(s, { RegionId: REGION,
    Action: 'AddVServerGroupBackendServers',
    VServerGroupId: id,
    BackendServers: json([{ ServerId: a, Port: 80 }, { ServerId: b, Port: 81, Weight: 5 }]),
  })
  assert.equal(added.status, 200)
  const addedText = await added.text()
  assert.ok(addedText.startsWith('<?xml version="1.0" encoding="UTF-8"?><AddVServerGroupBackendServersResponse>'))
  const addedBody = parser.parse(addedText)['AddVServerGroupBackendServersResponse']
  assert.equal(addedBody['VServerGroupId'], id)
  assert.deepEqual(
    addedBody['BackendServers']['BackendServer'].map((m: Body) => [m['ServerId'], m['Port'], m['Weight']]),
    [
      [a, '80', '100'],
      [b, '81', '5'],
    ],
  )

  const ok = await signedXmlGet(s, { RegionId: REGION, Action: 'DescribeVServerGroupAttribute', VServerGroupId: id })
  assert.equal(ok.status, 200)
  assert.equal(ok.headers.get('content-type'), 'text/xml;charset=utf-8')
  const body = parser.parse(await ok.text())['DescribeVServerGroupAttributeResponse']
  assert.equal(body['VServerGroupName'], 'xml')
  assert.equal(body['LoadBalancerId'], lb)
  assert.equal(body['CreateTime'], CREATE_TIME)
  assert.deepEqual(body['BackendServers']['BackendServer'][1], {
    ServerId: b,
    Port: '81',
    Weight: '5',
    Type: 'ecs',
    Description: '',
    ServerIp: '',
    VpcId: '',
    ServerRegionId: '',
    VbrId: '',
    ProxyProtocolV2Enabled: 'false',
  })

  const missing = await signedXmlGet(s, { RegionId: REGION, Action: 'DescribeVServerGroupAttribute', VServerGroupId: 'rsp-bp1missing' })
  assert.equal(missing.status, 404)
  const error = parser.parse(await missing.text())['Error']
  assert.equal(error['Code'], 'InvalidParameter')
  assert.equal(error['Message'], NOT_FOUND)
})
