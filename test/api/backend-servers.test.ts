/**
 * The default server group through the real clients: Add/Set/RemoveBackendServers in every dialect,
 * server resolution, weights, duplicates, limits, Terraform replays, and the load balancer and ECS
 * actions that read or drop memberships. Every refused call is followed by a read-back.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { XMLParser } from 'fast-xml-parser'
import { DEFAULTS } from '../../src/config.js'
import {
  allClients,
  callError,
  ECS,
  openApi,
  popCore,
  type Body,
  type ClientError,
  type RpcCaller, signedXmlGet } from '../helpers/clients.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const HZ = 'cn-hangzhou'
const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/
const ACCOUNT = { accountId: '', regionId: HZ }

const json = (v: unknown): string => JSON.stringify(v)
/** Terraform's pseudo-JSON: single quotes, every value a string (contract §0.2). */
const tf = (items: ReadonlyArray<Record<string, string>>): string =>
  `[${items.map((i) => `{${Object.entries(i).map(([k, v]) => `'${k}':'${v}'`).join(', ')}}`).join(',')}]`

const runInstance = async (c: RpcCaller, ip: string, region = HZ): Promise<string> =>
  (await c.call('RunInstances', { RegionId: region, PrivateIpAddress: ip }, ECS))['InstanceIdSets']['InstanceIdSet'][0]

const runMany = async (c: RpcCaller, amount: number): Promise<string[]> =>
  (await c.call('RunInstances', { RegionId: HZ, Amount: amount }, ECS))['InstanceIdSets']['InstanceIdSet']

const createEni = async (c: RpcCaller, ip: string): Promise<string> =>
  (await c.call('CreateNetworkInterface', { RegionId: HZ, PrimaryIpAddress: ip }, ECS))['NetworkInterfaceId']

const vpcOf = async (c: RpcCaller, instanceId: string): Promise<string> =>
  (await c.call('DescribeInstances', { RegionId: HZ, InstanceIds: json([instanceId]) }, ECS))['Instances'][
    'Instance'
  ][0]['VpcAttributes']['VpcId']

const createLb = async (c: RpcCaller): Promise<string> =>
  (await c.call('CreateLoadBalancer', { RegionId: HZ }))['LoadBalancerId']

/** The default group as DescribeLoadBalancerAttribute shows it. */
const members = async (c: RpcCaller, lb: string): Promise<Body[]> =>
  (await c.call('DescribeLoadBalancerAttribute', { RegionId: HZ, LoadBalancerId: lb }))['BackendServers'][
    'BackendServer'
  ]

const weights = async (c: RpcCaller, lb: string): Promise<Record<string, number>> =>
  Object.fromEntries((await members(c, lb)).map((m) => [m['ServerId'], m['Weight']]))

const lbsWith = async (c: RpcCaller, filter: Record<string, string>): Promise<string[]> =>
  ((await c.call('DescribeLoadBalancers', { RegionId: HZ, ...filter }))['LoadBalancers']['LoadBalancer'] as Body[])
    .map((lb) => lb['LoadBalancerId'])
    .sort()

const call = (c: RpcCaller, action: string, lb: string, servers?: string) =>
  c.call(action, { RegionId: HZ, LoadBalancerId: lb, ...(servers === undefined ? {} : { BackendServers: servers }) })
const add = (c: RpcCaller, lb: string, servers?: string) => call(c, 'AddBackendServers', lb, servers)
const set = (c: RpcCaller, lb: string, servers?: string) => call(c, 'SetBackendServers', lb, servers)
const remove = (c: RpcCaller, lb: string, servers?: string) => call(c, 'RemoveBackendServers', lb, servers)

/** A changed member as Add/SetBackendServers echo it: Weight is a string. */
const changed = (id: string, weight: number, description = '', type = 'ecs', ip = '') => ({
  ServerId: id,
  Weight: String(weight),
  Type: type,
  Description: description,
  ServerIp: ip,
})

/** A member as DescribeLoadBalancerAttribute lists it: Weight is a number. */
const described = (id: string, weight: number, vpc: string, description = '', type = 'ecs', ip = '') => ({
  ServerId: id,
  Weight: weight,
  Type: type,
  ServerIp: ip,
  VpcId: vpc,
  Description: description,
})

test('every client: the three dialects, exact shapes, and the default group read back', async (t) => {
  const s = await startTestServer(t)
  let n = 0
  for (const c of allClients(s)) {
    const lb = await createLb(c)
    const [i1, i2] = [await runInstance(c, `127.2.0.${++n}`), await runInstance(c, `127.2.0.${++n}`)]
    const eniIp = `127.2.0.${++n}`
    const eni = await createEni(c, eniIp)
    const vpc = await vpcOf(c, i1)

    // Strict JSON as the docs write it.
    const added = await add(c, lb, json([{ ServerId: i1, Weight: '60', Type: 'ecs', Description: 'web-1' }]))
    assert.match(added['RequestId'], REQUEST_ID)
    const addedBody = { BackendServer: [changed(i1, 60, 'web-1')] }
    assert.deepEqual(added, { RequestId: added['RequestId'], LoadBalancerId: lb, BackendServers: addedBody }, c.name)
    // Terraform: single quotes and string numbers; weight 0 is kept and echoed as "0".
    const tfAdded = await add(c, lb, tf([{ ServerId: i2, Weight: '0', Type: 'ecs' }]))
    assert.deepEqual(tfAdded['BackendServers'], { BackendServer: [changed(i2, 0)] }, c.name)
    // CCM: lower-camel keys, numbers, extra keys; the port means nothing in the default group.
    const ccmItem = {
      IsUserManaged: false,
      NodeName: 'node-1',
      description: 'k8s/ns/svc',
      serverId: eni,
      serverIp: eniIp,
      weight: 100,
      port: 30080,
      type: 'eni',
      TargetRef: null,
      Invalid: false,
    }
    const ccm = await add(c, lb, json([ccmItem]))
    assert.deepEqual(ccm['BackendServers'], { BackendServer: [changed(eni, 100, 'k8s/ns/svc', 'eni', eniIp)] })

    const group = [
      described(i1, 60, vpc, 'web-1'),
      described(i2, 0, vpc),
      described(eni, 100, vpc, 'k8s/ns/svc', 'eni', eniIp),
    ]
    assert.deepEqual(await members(c, lb), group, c.name)

    // SetBackendServers: a number, a Terraform string, and a description change; Weight absent keeps it.
    const reweighed = await set(c, lb, json([{ ServerId: i1, Weight: 0 }, { serverId: eni, description: 'x.1' }]))
    assert.deepEqual(reweighed, {
      RequestId: reweighed['RequestId'],
      LoadBalancerId: lb,
      BackendServers: { BackendServer: [changed(i1, 0, 'web-1'), changed(eni, 100, 'x.1', 'eni', eniIp)] },
    })
    const tfSet = await set(c, lb, tf([{ ServerId: i2, Weight: '30', Type: 'ecs' }]))
    assert.deepEqual(tfSet['BackendServers'], { BackendServer: [changed(i2, 30)] })
    // "[]" and no BackendServers at all (Terraform's trailing chunk, contract §0.4) change nothing.
    for (const servers of ['[]', undefined]) {
      const none = await set(c, lb, servers)
      assert.deepEqual(none, {
        RequestId: none['RequestId'],
        LoadBalancerId: lb,
        BackendServers: { BackendServer: [] },
      })
      const noAdd = await add(c, lb, servers)
      assert.deepEqual(noAdd['BackendServers'], { BackendServer: [] })
    }
    assert.deepEqual(await members(c, lb), [
      described(i1, 0, vpc, 'web-1'),
      described(i2, 30, vpc),
      described(eni, 100, vpc, 'x.1', 'eni', eniIp),
    ])

    // RemoveBackendServers answers with the members left, Weight as a number; absent servers are ignored.
    const removed = await remove(c, lb, json([{ ServerId: i1 }, { ServerId: 'i-bp1notamember0000000' }]))
    assert.deepEqual(removed, {
      RequestId: removed['RequestId'],
      LoadBalancerId: lb,
      BackendServers: {
        BackendServer: [
          { ServerId: i2, Weight: 30, Type: 'ecs', Description: '', ServerIp: '', VpcId: vpc },
          { ServerId: eni, Weight: 100, Type: 'eni', Description: 'x.1', ServerIp: eniIp, VpcId: vpc },
        ],
      },
    })
    assert.deepEqual(await members(c, lb), [described(i2, 30, vpc), described(eni, 100, vpc, 'x.1', 'eni', eniIp)])
    // The legacy Go client removes by a plain array of IDs.
    const legacy = await remove(c, lb, json([i2, eni]))
    assert.deepEqual(legacy['BackendServers'], { BackendServer: [] })
    assert.deepEqual(await members(c, lb), [])
  }
})

test('refused calls: unknown, stopped, foreign and malformed servers change nothing', async (t) => {
  const s = await startTestServer(t)
  const c = popCore(s, 'POST')
  const o = openApi(s, 'v3')
  const lb = await createLb(c)
  const i1 = await runInstance(c, '127.2.0.1')
  const stopped = await runInstance(c, '127.2.0.2')
  await c.call('StopInstance', { InstanceId: stopped }, ECS)
  const beijing = await runInstance(c, '127.2.0.3', 'cn-beijing')
  const eniIp = '127.2.0.4'
  const eni = await createEni(c, eniIp)
  const vpc = await vpcOf(c, i1)
  await add(c, lb, json([{ ServerId: i1, Weight: 50 }]))
  const before = await members(c, lb)

  /** Refused by every given client with this code (and, through openapi-client, status and message). */
  const refused = async (action: string, servers: string | undefined, code: string, message: string, status = 400) => {
    const generation = await s.server.store.generation()
    for (const client of [c, o]) {
      const e: ClientError = await callError(() => call(client, action, lb, servers))
      assert.equal(e.code, code, `${action} ${servers}`)
      if (client === o) {
        assert.equal(e.statusCode, status)
        assert.equal(e.data?.['Message'], message)
      }
    }
    assert.deepEqual(await members(c, lb), before)
    assert.equal(await s.server.store.generation(), generation, 'a refused call commits nothing')
  }
  const obtainIpFail = [
    'ObtainIpFail',
    'The specified BackendServers is invalid; some of the specified backend servers do not exist or are not running.',
  ] as const

  // ServerId must be a Running instance (or an ENI) of the load balancer's account and region.
  await refused('AddBackendServers', json([{ ServerId: 'i-bp1doesnotexist00000' }]), ...obtainIpFail)
  await refused('AddBackendServers', json([{ ServerId: stopped }]), ...obtainIpFail)
  await refused('AddBackendServers', json([{ ServerId: beijing }]), ...obtainIpFail)
  const noRegion = await callError(() =>
    c.call('AddBackendServers', { LoadBalancerId: lb, BackendServers: json([{ ServerId: beijing }]) }),
  )
  assert.equal(noRegion.code, 'ObtainIpFail')
  // One bad server refuses the whole call: the good one is not added either.
  const good = await runInstance(c, '127.2.0.5')
  await refused('AddBackendServers', json([{ ServerId: good }, { ServerId: stopped }]), ...obtainIpFail)
  // An ENI's ServerIp must be its address; elastic container instances are unknown here.
  await refused('AddBackendServers', json([{ ServerId: eni, Type: 'eni', ServerIp: '127.2.0.99' }]), ...obtainIpFail)
  const eci = { ServerId: 'eci-bp1container0000', Type: 'eci', ServerIp: '10.0.0.1' }
  await refused('AddBackendServers', json([eci]), ...obtainIpFail)

  // Another account's instance is not found, and it cannot see this load balancer.
  const other = { ...s, accessKeyId: 'LTAIotheraccount02', accessKeySecret: 'other-secret' } satisfies TestServer
  await s.server.store.ensureAccessKey({
    accessKeyId: other.accessKeyId,
    secret: other.accessKeySecret,
    accountId: '1999000011113333',
    status: 'Active',
  })
  const oc = popCore(other, 'GET')
  const foreign = await runInstance(oc, '127.2.0.6')
  await refused('AddBackendServers', json([{ ServerId: foreign }]), ...obtainIpFail)
  const hidden = await callError(() => call(oc, 'AddBackendServers', lb, json([{ ServerId: foreign }])))
  assert.equal(hidden.code, 'InvalidLoadBalancerId.NotFound')

  // Parameters: malformed JSON, weights out of range, no ServerId, a missing load balancer.
  const malformed = ['BackendServersMalformed', 'the specified parameter BackendServers is unavailable.'] as const
  const badWeight = ['InvalidWeight.Malformed', 'A specified weight is not valid.'] as const
  await refused('AddBackendServers', '[{"ServerId":', ...malformed)
  await refused('AddBackendServers', json([{ ServerId: good, Weight: 101 }]), ...badWeight)
  await refused('AddBackendServers', json([{ ServerId: good, Weight: -1 }]), ...badWeight)
  await refused('AddBackendServers', tf([{ ServerId: good, Weight: '1.5' }]), ...badWeight)
  await refused('SetBackendServers', json([{ ServerId: i1, Weight: 101 }]), ...badWeight)
  await refused('SetBackendServers', tf([{ ServerId: i1, Weight: 'heavy' }]), ...badWeight)
  const invalid = ['InvalidParameter', 'The specified BackendServers is invalid.'] as const
  await refused('AddBackendServers', json([{ Weight: 10 }]), ...invalid)
  await refused('RemoveBackendServers', json(['i-x', '']), ...malformed)
  await refused(
    'RemoveBackendServers',
    undefined,
    'MissingParameter',
    'The input parameter "BackendServers" that is mandatory for processing this request is not supplied.',
  )
  for (const action of ['AddBackendServers', 'SetBackendServers', 'RemoveBackendServers']) {
    const e = await callError(() => call(o, action, 'lb-bp1missing000000000000', json([{ ServerId: i1 }])))
    assert.equal(e.code, 'InvalidLoadBalancerId.NotFound')
    assert.equal(e.statusCode, 404)
  }
  const missingLb = await callError(() => call(o, 'SetBackendServers', 'lb-bp1missing000000000000'))
  assert.equal(missingLb.code, 'InvalidLoadBalancerId.NotFound', 'a no-op still needs the load balancer')

  // What does resolve: the ENI with its own address or none (it takes its address), the stopped
  // instance once started. SetBackendServers ignores servers that are not members.
  await add(c, lb, json([{ ServerId: eni, Type: 'eni', ServerIp: eniIp }]))
  await remove(c, lb, json([{ ServerId: eni, Type: 'eni' }]))
  await add(c, lb, json([{ ServerId: eni, Type: 'eni' }]))
  await c.call('StartInstance', { InstanceId: stopped }, ECS)
  await add(c, lb, json([{ ServerId: stopped, Weight: 5 }]))
  const ignored = await set(c, lb, json([{ ServerId: good, Weight: 1 }, { ServerId: stopped, Weight: 7 }]))
  assert.deepEqual(ignored['BackendServers'], { BackendServer: [changed(stopped, 7)] })
  // A stopped member stays a member.
  await c.call('StopInstance', { InstanceId: stopped }, ECS)
  assert.deepEqual(await members(c, lb), [
    described(i1, 50, vpc),
    described(eni, 100, vpc, '', 'eni', eniIp),
    described(stopped, 7, vpc),
  ])
})

test('weights, duplicates, re-adding, the per-call limit and the per-instance quota', async (t) => {
  const quotas = { ...DEFAULTS.quotas, backendServersPerLoadBalancer: 3 }
  const s = await startTestServer(t, { config: { quotas } })
  const c = openApi(s, 'v2')
  const lb = await createLb(c)
  const [i1, i2, i3, i4] = (await runMany(c, 4)) as [string, string, string, string]

  // Duplicates in one call: the first counts; a weight left out is 100.
  const added = await add(c, lb, json([{ ServerId: i1, Weight: 10 }, { ServerId: i1, Weight: 20 }, { ServerId: i2 }]))
  assert.deepEqual(added['BackendServers'], { BackendServer: [changed(i1, 10), changed(i2, 100)] })
  assert.deepEqual(await weights(c, lb), { [i1]: 10, [i2]: 100 })

  // A member already in the group is refused, alone or next to a new one.
  const generation = await s.server.store.generation()
  const conflicts = [
    [{ ServerId: i1, Weight: 50 }],
    [{ ServerId: i3 }, { ServerId: i1, Weight: 10 }],
    [{ ServerId: i2, Description: 'new' }],
  ]
  for (const servers of conflicts) {
    const e = await callError(() => add(c, lb, json(servers)))
    assert.equal(e.code, 'InvalidBackendServers.ServerIpConflict')
    assert.equal(e.data?.['Message'], `The backend server ${servers.at(-1)!.ServerId} already exists.`)
    assert.deepEqual(await weights(c, lb), { [i1]: 10, [i2]: 100 })
  }
  assert.equal(await s.server.store.generation(), generation)
  // …but the identical batch again answers as before (Terraform replays its last Add chunk, §0.4).
  const replay = await add(c, lb, tf([{ ServerId: i1, Weight: '10' }, { ServerId: i2, Weight: '100' }]))
  assert.deepEqual(replay['BackendServers'], { BackendServer: [changed(i1, 10), changed(i2, 100)] })
  assert.deepEqual(await weights(c, lb), { [i1]: 10, [i2]: 100 })

  // The quota counts the members already there: 2 + 2 > 3.
  const over = await callError(() => add(c, lb, json([{ ServerId: i3 }, { ServerId: i4 }])))
  assert.equal(over.code, 'InstanceBackendServerNumberOverLimit')
  assert.equal(
    over.data?.['Message'],
    'The backend server number has reached to the quota limit of this load balancer.',
  )
  assert.deepEqual(await weights(c, lb), { [i1]: 10, [i2]: 100 })
  await add(c, lb, json([{ ServerId: i3, Weight: 0 }]))
  const full = await callError(() => add(c, lb, json([{ ServerId: i4 }])))
  assert.equal(full.code, 'InstanceBackendServerNumberOverLimit')
  assert.deepEqual(await weights(c, lb), { [i1]: 10, [i2]: 100, [i3]: 0 })
  // Weights 0 and 100 are the bounds; a removal frees a place.
  await set(c, lb, json([{ ServerId: i1, Weight: 100 }, { ServerId: i2, Weight: 0 }]))
  await remove(c, lb, json([{ ServerId: i3 }]))
  await add(c, lb, json([{ ServerId: i4, Weight: '0' }]))
  assert.deepEqual(await weights(c, lb), { [i1]: 100, [i2]: 0, [i4]: 0 })

  // 41 items in one call are too many whatever they name (default limit 40); 40 copies of one server are fine.
  const before = await members(c, lb)
  for (const action of ['AddBackendServers', 'SetBackendServers', 'RemoveBackendServers']) {
    const e = await callError(() => call(c, action, lb, json(Array.from({ length: 41 }, () => ({ ServerId: i3 })))))
    assert.equal(e.code, 'TooManyBackendServers', action)
    assert.equal(e.data?.['Message'], 'The total number of input real servers exceeds max supported number: 40')
    assert.deepEqual(await members(c, lb), before)
  }
  await remove(c, lb, json([{ ServerId: i4 }]))
  const forty = await add(c, lb, json(Array.from({ length: 40 }, (_, k) => ({ ServerId: i3, Weight: k }))))
  assert.deepEqual(forty['BackendServers'], { BackendServer: [changed(i3, 0)] })
})

test('Terraform alicloud_slb_backend_server and alicloud_slb_attachment call sequences (contract §7.3)', async (t) => {
  const s = await startTestServer(t)
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  const ids = await runMany(c, 60)
  const [first, second, fresh] = [ids.slice(0, 20), ids.slice(20, 40), ids.slice(40, 60)]
  const item = (id: string, weight: number) => ({ ServerId: id, Weight: String(weight), Type: 'ecs' })

  // Create: one AddBackendServers with every server (40, the per-call maximum); the ID comes from the answer.
  const created = await add(c, lb, tf([...first, ...second].map((id) => item(id, 100))))
  assert.equal(created['LoadBalancerId'], lb)
  assert.equal(created['BackendServers']['BackendServer'].length, 40)

  // Update: remove `first`, add `fresh`, reweigh `second`, each in chunks of 20. The Go SDK reuses the
  // Remove and Add requests, so a count that is a multiple of 20 re-sends the last chunk; each Set
  // chunk is a new request, so the trailing one has no BackendServers at all (contract §0.4).
  const removal = tf(first.map((id) => item(id, 100)))
  await remove(c, lb, removal)
  await remove(c, lb, removal)
  const addition = tf(fresh.map((id) => item(id, 40)))
  await add(c, lb, addition)
  const replayed = await add(c, lb, addition)
  assert.equal(replayed['BackendServers']['BackendServer'].length, 20)
  await set(c, lb, tf(second.map((id) => item(id, 70))))
  const trailing = await set(c, lb)
  assert.deepEqual(trailing['BackendServers'], { BackendServer: [] })

  const expected = Object.fromEntries([...second.map((id) => [id, 70]), ...fresh.map((id) => [id, 40])])
  assert.deepEqual(await weights(c, lb), expected)
  assert.deepEqual((await members(c, lb)).map((m) => m['ServerId']), [...second, ...fresh])

  // Delete: RemoveBackendServers in chunks of 20, the last one re-sent.
  const all = [...second, ...fresh]
  for (const chunk of [all.slice(0, 20), all.slice(20), all.slice(20)]) {
    await remove(c, lb, tf(chunk.map((id) => item(id, 1))))
  }
  assert.deepEqual(await members(c, lb), [])

  // alicloud_slb_attachment: every instance_id in one call, then a weight change for all, then removal.
  const attached = first.slice(0, 5)
  await add(c, lb, tf(attached.map((id) => item(id, 100))))
  await set(c, lb, tf(attached.map((id) => item(id, 25))))
  assert.deepEqual(await weights(c, lb), Object.fromEntries(attached.map((id) => [id, 25])))
  await remove(c, lb, json(attached))
  assert.deepEqual(await members(c, lb), [])
})

test('deleting load balancers, instances and ENIs drops memberships; the ServerId and address filters', async (t) => {
  const s = await startTestServer(t)
  const c = allClients(s)[3]!
  const [a, b, bystander] = [await createLb(c), await createLb(c), await createLb(c)]
  const i1 = await runInstance(c, '127.2.0.11')
  const i2 = await runInstance(c, '127.2.0.12')
  const eni = await createEni(c, '127.2.0.13')
  await add(c, a, json([{ ServerId: i1 }, { ServerId: i2 }]))
  await add(c, b, json([{ ServerId: i1 }, { ServerId: eni, Type: 'eni' }]))
  // A VServer group of `bystander` holds i2: the filters look at every group of a load balancer.
  const scope = { ...ACCOUNT, accountId: (await s.server.store.findAccessKey(s.accessKeyId))!.accountId }
  await s.server.store.write(scope, async (repos) => {
    const group = { id: 'rsp-bp1test0001', regionId: HZ, loadBalancerId: bystander, name: 'g', createdAt: 0 }
    await repos.serverGroups.insertGroup(group)
    const member = { groupId: group.id, loadBalancerId: bystander, serverId: i2, serverIp: '', port: 8080 }
    await repos.serverGroups.insertMembers(HZ, [{ ...member, type: 'ecs', weight: 100, description: '' }])
  })

  assert.deepEqual(await lbsWith(c, { ServerId: i1 }), [a, b].sort())
  assert.deepEqual(await lbsWith(c, { ServerId: i2 }), [a, bystander].sort())
  assert.deepEqual(await lbsWith(c, { ServerId: eni }), [b])
  assert.deepEqual(await lbsWith(c, { ServerId: 'i-bp1nobody00000000000' }), [])
  assert.deepEqual(await lbsWith(c, { ServerIntranetAddress: '127.2.0.13' }), [b])
  assert.deepEqual(await lbsWith(c, { ServerIntranetAddress: '127.2.0.12, 127.2.0.13' }), [a, b, bystander].sort())
  assert.deepEqual(await lbsWith(c, { ServerIntranetAddress: '127.2.0.250' }), [])
  assert.deepEqual(await lbsWith(c, { ServerId: i1, ServerIntranetAddress: '127.2.0.12' }), [a])
  assert.deepEqual(await lbsWith(c, { ServerId: i2, LoadBalancerId: `${b},${bystander}` }), [bystander])
  const counted = await c.call('DescribeLoadBalancers', { RegionId: HZ, ServerId: i1, PageSize: 1 })
  assert.equal(counted['TotalCount'], 2)
  assert.equal(counted['LoadBalancers']['LoadBalancer'].length, 1)

  // Stopping keeps memberships; releasing an instance or deleting an ENI takes it out of every group.
  await c.call('StopInstance', { InstanceId: i1 }, ECS)
  assert.deepEqual(await lbsWith(c, { ServerId: i1 }), [a, b].sort())
  await c.call('DeleteInstance', { InstanceId: i1, Force: true }, ECS)
  assert.deepEqual(await lbsWith(c, { ServerId: i1 }), [])
  assert.deepEqual((await members(c, a)).map((m) => m['ServerId']), [i2])
  assert.deepEqual((await members(c, b)).map((m) => m['ServerId']), [eni])
  await c.call('DeleteNetworkInterface', { RegionId: HZ, NetworkInterfaceId: eni }, ECS)
  assert.deepEqual(await members(c, b), [])

  // A protected load balancer is not deleted and keeps its members.
  await c.call('SetLoadBalancerDeleteProtection', { RegionId: HZ, LoadBalancerId: bystander, DeleteProtection: 'on' })
  const protectedDelete = await callError(() =>
    c.call('DeleteLoadBalancer', { RegionId: HZ, LoadBalancerId: bystander }),
  )
  assert.equal(protectedDelete.code, 'OperationDenied.DeleteProtection')
  assert.deepEqual(await lbsWith(c, { ServerId: i2 }), [a, bystander].sort())

  // Deleting load balancers deletes their server groups and members: nothing is left behind.
  await c.call('SetLoadBalancerDeleteProtection', { RegionId: HZ, LoadBalancerId: bystander, DeleteProtection: 'off' })
  await c.call('DeleteLoadBalancer', { RegionId: HZ, LoadBalancerId: a })
  await c.call('DeleteLoadBalancer', { RegionId: HZ, LoadBalancerId: bystander })
  assert.deepEqual(await lbsWith(c, { ServerId: i2 }), [])
  const left = await s.server.store.read(scope, async (repos) => ({
    a: await repos.serverGroups.countMembersOfLoadBalancer(a),
    bystander: await repos.serverGroups.countMembersOfLoadBalancer(bystander),
    groups: await repos.serverGroups.listGroups(bystander),
    group: await repos.serverGroups.members('rsp-bp1test0001'),
    lbs: await repos.serverGroups.loadBalancersWithServers([i2]),
  }))
  assert.deepEqual(left, { a: 0, bystander: 0, groups: [], group: [], lbs: [] })
  // i2 itself is untouched and can join a new load balancer.
  await add(c, b, json([{ ServerId: i2 }]))
  assert.deepEqual(await lbsWith(c, { ServerIntranetAddress: '127.2.0.12' }), [b])
})


test('XML: AddBackendServers, RemoveBackendServers and a refused call', async (t) => {
  const s = await startTestServer(t)
  const c = popCore(s)
  const lb = await createLb(c)
  const [i1, i2] = (await runMany(c, 2)) as [string, string]
  const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'BackendServer' })

  const add = await signedXmlGet(s, {
    Action: 'AddBackendServers',
    LoadBalancerId: lb,
    BackendServers: json([{ ServerId: i1, Weight: 0 }, { ServerId: i2 }]),
  })
  assert.equal(add.status, 200)
  const text = await add.text()
  assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?><AddBackendServersResponse>'))
  const body = parser.parse(text)['AddBackendServersResponse']
  assert.match(body['RequestId'], REQUEST_ID)
  assert.equal(body['LoadBalancerId'], lb)
  assert.deepEqual(body['BackendServers'], { BackendServer: [changed(i1, 0), changed(i2, 100)] })

  const removed = await signedXmlGet(s, { Action: 'RemoveBackendServers', LoadBalancerId: lb, BackendServers: json([i1]) })
  const rest = parser.parse(await removed.text())['RemoveBackendServersResponse']
  assert.equal(rest['BackendServers']['BackendServer'].length, 1)
  assert.equal(rest['BackendServers']['BackendServer'][0]['ServerId'], i2)
  assert.equal(rest['BackendServers']['BackendServer'][0]['Weight'], '100')

  const addXml = (servers: unknown) =>
    signedXmlGet(s, { Action: 'AddBackendServers', LoadBalancerId: lb, BackendServers: json(servers) })
  const replay = await addXml([{ ServerId: i2 }, { ServerId: i2, Weight: 5 }])
  assert.equal(replay.status, 200, 'the identical member again is a replay, not an error')
  const conflict = await addXml([{ ServerId: i2, Weight: 5 }])
  assert.equal(conflict.status, 400)
  const error = parser.parse(await conflict.text())['Error']
  assert.equal(error['Code'], 'InvalidBackendServers.ServerIpConflict')
  assert.equal(error['Message'], `The backend server ${i2} already exists.`)
})
