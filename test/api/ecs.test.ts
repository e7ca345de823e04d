/**
 * The ECS 2014-05-26 subset through the generated `@alicloud/ecs20140526` client (its typed models must
 * carry every value), through pop-core and openapi-client for raw JSON shapes, and once as signed XML.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import EcsModule, * as $Ecs from '@alicloud/ecs20140526'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import { percentEncode, v1Signature, v1StringToSign } from '../../src/api/auth/signature-v1.js'
import { parsePool } from '../../src/domain/ipv4.js'
import { callError, ECS, openApi, popCore, type ClientError, type RpcCaller } from '../helpers/clients.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

// A CommonJS module: the default import is `module.exports`, whose `default` is the client class.
const Ecs = EcsModule.default
type EcsClient = InstanceType<typeof Ecs>

const ecsClient = (s: TestServer): EcsClient =>
  new Ecs(
    new $OpenApiUtil.Config({
      accessKeyId: s.accessKeyId,
      accessKeySecret: s.accessKeySecret,
      endpoint: `${s.host}:${s.port}`,
      protocol: 'http',
      regionId: 'cn-hangzhou',
    }),
  )

const HZ = 'cn-hangzhou'
const INSTANCE_ID = /^i-bp1[a-z0-9]{17}$/
const ENI_ID = /^eni-bp1[a-z0-9]{17}$/
const MAC = /^00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/

const run = async (c: EcsClient, fields: Partial<$Ecs.RunInstancesRequest> = {}): Promise<string[]> => {
  const res = await c.runInstances(new $Ecs.RunInstancesRequest({ regionId: HZ, ...fields }))
  return res.body!.instanceIdSets!.instanceIdSet!
}

const describe = async (c: EcsClient, fields: Partial<$Ecs.DescribeInstancesRequest> = {}) =>
  (await c.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: HZ, pageSize: 100, ...fields }))).body!

const ipsOf = (body: $Ecs.DescribeInstancesResponseBody): string[] =>
  body.instances!.instance!.map((i) => i.vpcAttributes!.privateIpAddress!.ipAddress![0]!).sort()

const createEni = async (c: EcsClient, fields: Partial<$Ecs.CreateNetworkInterfaceRequest> = {}) =>
  (await c.createNetworkInterface(new $Ecs.CreateNetworkInterfaceRequest({ regionId: HZ, ...fields }))).body!

const enis = async (c: EcsClient, fields: Partial<$Ecs.DescribeNetworkInterfacesRequest> = {}) =>
  (await c.describeNetworkInterfaces(new $Ecs.DescribeNetworkInterfacesRequest({ regionId: HZ, ...fields }))).body!

/** The generated client's error: Alibaba code and HTTP status. */
const ecsError = async (fn: () => Promise<unknown>, code: string, status: number): Promise<ClientError> => {
  const err = await callError(fn)
  assert.equal(err.code, code, err.message)
  assert.equal(err.statusCode, status, err.message)
  return err
}

test('RunInstances and DescribeInstances: defaults, allocation and the typed model', async (t) => {
  const s = await startTestServer(t)
  const c = ecsClient(s)

  const res = await c.runInstances(new $Ecs.RunInstancesRequest({ regionId: HZ }))
  assert.match(res.body!.requestId!, /^[0-9A-F-]{36}$/)
  assert.match(res.body!.orderId!, /^\d+$/)
  assert.equal(res.body!.tradePrice, 0)
  const [first] = res.body!.instanceIdSets!.instanceIdSet!
  assert.match(first!, INSTANCE_ID)

  const one = await describe(c, { instanceIds: JSON.stringify([first]) })
  assert.equal(one.totalCount, 1)
  assert.equal(one.pageNumber, 1)
  assert.equal(one.pageSize, 100)
  const i = one.instances!.instance![0]!
  assert.equal(i.instanceId, first)
  assert.equal(i.instanceName, first, 'an unnamed instance is named after its ID')
  assert.equal(i.hostName, `iZ${first!.slice(2)}Z`)
  assert.equal(i.description, '')
  assert.equal(i.status, 'Running')
  assert.equal(i.regionId, HZ)
  assert.equal(i.zoneId, 'cn-hangzhou-h')
  assert.equal(i.instanceType, 'ecs.g7.large')
  assert.equal(i.instanceTypeFamily, 'ecs.g7')
  assert.equal(i.imageId, 'ubuntu_22_04_x64_20G_alibase_20240101.vhd')
  assert.equal(i.OSType, 'linux')
  assert.equal(i.cpu, 2)
  assert.equal(i.memory, 8192)
  assert.match(i.creationTime!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/)
  assert.equal(i.instanceNetworkType, 'vpc')
  assert.equal(i.instanceChargeType, 'PostPaid')
  assert.equal(i.ioOptimized, true)
  assert.equal(i.deletionProtection, false)
  assert.match(i.vpcAttributes!.vpcId!, /^vpc-bp1[a-z0-9]{17}$/)
  assert.match(i.vpcAttributes!.vSwitchId!, /^vsw-bp1[a-z0-9]{17}$/)
  assert.deepEqual(i.vpcAttributes!.privateIpAddress!.ipAddress, ['127.2.0.1'])
  assert.equal(i.vpcAttributes!.natIpAddress, '')
  assert.deepEqual(i.innerIpAddress!.ipAddress, [])
  assert.deepEqual(i.publicIpAddress!.ipAddress, [])
  assert.deepEqual(i.securityGroupIds!.securityGroupId, [])
  assert.deepEqual(i.tags!.tag, [])
  assert.deepEqual(i.operationLocks!.lockReason, [])
  const nic = i.networkInterfaces!.networkInterface!
  assert.equal(nic.length, 1)
  assert.match(nic[0]!.networkInterfaceId!, ENI_ID)
  assert.equal(nic[0]!.type, 'Primary')
  assert.equal(nic[0]!.primaryIpAddress, '127.2.0.1')
  assert.match(nic[0]!.macAddress!, MAC)
  assert.deepEqual(
    nic[0]!.privateIpSets!.privateIpSet!.map((p) => [p.privateIpAddress, p.primary]),
    [['127.2.0.1', true]],
  )

  const three = await run(c, {
    amount: 3,
    instanceName: 'web',
    hostName: 'web-1.internal',
    description: 'tier one',
    instanceType: 'ecs.c7.2xlarge',
    zoneId: 'cn-hangzhou-j',
  })
  assert.equal(three.length, 3)
  const web = await describe(c, { instanceIds: JSON.stringify(three) })
  assert.equal(web.totalCount, 3)
  assert.deepEqual(ipsOf(web), ['127.2.0.2', '127.2.0.3', '127.2.0.4'], 'the lowest free addresses, one each')
  for (const w of web.instances!.instance!) {
    assert.equal(w.instanceName, 'web')
    assert.equal(w.hostName, 'web-1.internal')
    assert.equal(w.description, 'tier one')
    assert.equal(w.zoneId, 'cn-hangzhou-j')
    assert.equal(w.cpu, 8)
    assert.equal(w.memory, 16384)
    assert.equal(w.vpcAttributes!.vpcId, i.vpcAttributes!.vpcId, 'one VPC per account and region')
    assert.equal(w.vpcAttributes!.vSwitchId, i.vpcAttributes!.vSwitchId)
  }

  // Filters and pages.
  const all = await describe(c)
  assert.equal(all.totalCount, 4)
  const page2 = await describe(c, { pageSize: 3, pageNumber: 2 })
  assert.equal(page2.totalCount, 4)
  assert.equal(page2.pageNumber, 2)
  assert.equal(page2.pageSize, 3)
  assert.equal(page2.instances!.instance!.length, 1)
  assert.equal((await describe(c, { instanceName: 'web' })).totalCount, 3)
  assert.equal((await describe(c, { instanceName: 'w*' })).totalCount, 3)
  assert.equal((await describe(c, { instanceName: 'W' })).totalCount, 0)
  assert.equal((await describe(c, { status: 'Stopped' })).totalCount, 0)
  assert.equal((await describe(c, { status: 'Running' })).totalCount, 4)
  assert.equal((await describe(c, { zoneId: 'cn-hangzhou-j' })).totalCount, 3)
  assert.equal((await describe(c, { vpcId: i.vpcAttributes!.vpcId! })).totalCount, 4)
  assert.equal((await describe(c, { vpcId: 'vpc-other' })).totalCount, 0)
  assert.deepEqual(ipsOf(await describe(c, { privateIpAddresses: '["127.2.0.3","10.0.0.1"]' })), ['127.2.0.3'])
  assert.equal((await describe(c, { instanceIds: '["i-missing"]' })).totalCount, 0)
  assert.equal((await describe(c, { instanceIds: '[]' })).totalCount, 4, '[] is no filter')

  // Another region of the same account is a separate address space.
  const bj = await c.runInstances(new $Ecs.RunInstancesRequest({ regionId: 'cn-beijing', amount: 12 }))
  assert.match(bj.body!.instanceIdSets!.instanceIdSet![0]!, /^i-2ze[a-z0-9]{17}$/)
  const bjAll = await describe(c, { regionId: 'cn-beijing' })
  assert.equal(bjAll.totalCount, 12)
  assert.equal(ipsOf(bjAll)[0], '127.2.0.1')
  assert.equal(bjAll.instances!.instance![0]!.zoneId, 'cn-beijing-g')

  // NextToken / MaxResults: MaxResults below 10 reads as 10.
  const t1 = await describe(c, { regionId: 'cn-beijing', maxResults: 3, pageSize: undefined })
  assert.equal(t1.instances!.instance!.length, 10)
  assert.ok(t1.nextToken !== undefined && t1.nextToken !== '')
  const t2 = await describe(c, { regionId: 'cn-beijing', nextToken: t1.nextToken!, pageSize: undefined })
  assert.equal(t2.instances!.instance!.length, 2)
  assert.equal(t2.nextToken, '')
  const seen = new Set([...t1.instances!.instance!, ...t2.instances!.instance!].map((x) => x.instanceId))
  assert.equal(seen.size, 12)
  await ecsError(() => describe(c, { nextToken: 'not-a-token' }), 'InvalidParameter', 400)
})

test('RunInstances PrivateIpAddress: pool, duplicates across instances and ENIs, consecutive Amount', async (t) => {
  const s = await startTestServer(t)
  const c = ecsClient(s)
  const count = async () => (await describe(c)).totalCount

  const [pinned] = await run(c, { privateIpAddress: '127.2.5.5', vSwitchId: 'vsw-bp1mine0000000000000' })
  const pinnedBody = await describe(c, { instanceIds: JSON.stringify([pinned]) })
  assert.deepEqual(ipsOf(pinnedBody), ['127.2.5.5'])
  assert.equal(pinnedBody.instances!.instance![0]!.vpcAttributes!.vSwitchId, 'vsw-bp1mine0000000000000')

  const dup = await ecsError(() => run(c, { privateIpAddress: '127.2.5.5' }), 'InvalidPrivateIpAddress.Duplicated', 400)
  assert.match(dup.message, /Specified private IP address is duplicated\./)
  await ecsError(
    () => createEni(c, { primaryIpAddress: '127.2.5.5' }),
    'InvalidPrivateIpAddress.Duplicated',
    400,
  )
  const out = await ecsError(() => run(c, { privateIpAddress: '10.0.0.1' }), 'InvalidPrivateIpAddress', 400)
  assert.match(out.message, /Specified private IP address is not in the CIDR block of virtual switch\./)
  await ecsError(() => run(c, { privateIpAddress: '127.2.0.256' }), 'InvalidPrivateIpAddress.Malformed', 400)
  await ecsError(() => run(c, { privateIpAddress: '127.2.0.01' }), 'InvalidPrivateIpAddress.Malformed', 400)
  // Amount > 1 takes consecutive addresses from the given one; one taken address fails them all.
  await ecsError(() => run(c, { privateIpAddress: '127.2.5.3', amount: 3 }), 'InvalidPrivateIpAddress.Duplicated', 400)
  // The pool's last usable address is 127.2.255.254: a run past it is outside the block.
  await ecsError(() => run(c, { privateIpAddress: '127.2.255.254', amount: 2 }), 'InvalidPrivateIpAddress', 400)
  assert.equal(await count(), 1, 'nothing was created by the failed calls')
  assert.equal((await enis(c)).totalCount, 1)

  const pair = await run(c, { privateIpAddress: '127.2.5.3', amount: 2 })
  assert.deepEqual(ipsOf(await describe(c, { instanceIds: JSON.stringify(pair) })), ['127.2.5.3', '127.2.5.4'])
  const [lowest] = await run(c)
  assert.deepEqual(ipsOf(await describe(c, { instanceIds: JSON.stringify([lowest]) })), ['127.2.0.1'])

  // Parameter checks.
  await ecsError(() => run(c, { amount: 101 }), 'InvalidParameter', 400)
  await ecsError(() => run(c, { instanceType: 'm5.large' }), 'InvalidInstanceType.ValueNotSupported', 400)
  await ecsError(() => run(c, { instanceName: '1abc' }), 'InvalidInstanceName.Malformed', 400)
  await ecsError(() => run(c, { hostName: '-bad-' }), 'InvalidHostName.Malformed', 400)
  await ecsError(() => run(c, { description: 'http://x' }), 'InvalidDescription.Malformed', 400)
  await ecsError(() => run(c, { zoneId: 'cn-beijing-g' }), 'InvalidZoneId.NotFound', 404)
  await ecsError(() => run(c, { regionId: 'xx-nowhere-1' }), 'InvalidRegionId.NotFound', 404)
  assert.equal(await count(), 4)
})

test('RunInstances: an exhausted pool creates nothing', async (t) => {
  const s = await startTestServer(t, { config: { instancePool: parsePool('10.9.0.0/30') } })
  const c = ecsClient(s)
  await ecsError(() => run(c, { amount: 3 }), 'InvalidVSwitchId.IpNotEnough', 400)
  assert.equal((await describe(c)).totalCount, 0)
  assert.deepEqual(ipsOf(await describe(c, { instanceIds: JSON.stringify(await run(c, { amount: 2 })) })), [
    '10.9.0.1',
    '10.9.0.2',
  ])
  await ecsError(() => run(c), 'InvalidVSwitchId.IpNotEnough', 400)
  await ecsError(() => createEni(c), 'InvalidVSwitchId.IpNotEnough', 400)
  assert.equal((await describe(c)).totalCount, 2)
})

test('StartInstance, StopInstance, DeleteInstance: transitions, Force and address release', async (t) => {
  const s = await startTestServer(t)
  const c = ecsClient(s)
  const [id] = await run(c)
  const status = async () => (await describe(c, { instanceIds: JSON.stringify([id]) })).instances!.instance![0]!

  const start = () => c.startInstance(new $Ecs.StartInstanceRequest({ instanceId: id }))
  const stop = () => c.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id, forceStop: true }))
  const del = (force?: boolean) => c.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force }))

  const wrong = await ecsError(start, 'IncorrectInstanceStatus', 403)
  assert.match(wrong.message, /The current status of the resource does not support this operation\./)
  await ecsError(() => del(), 'IncorrectInstanceStatus', 403)
  await ecsError(() => del(false), 'IncorrectInstanceStatus', 403)
  assert.equal((await status()).status, 'Running')

  assert.match((await stop()).body!.requestId!, /^[0-9A-F-]{36}$/)
  assert.equal((await status()).status, 'Stopped')
  assert.equal((await status()).stoppedMode, 'KeepCharging')
  await ecsError(stop, 'IncorrectInstanceStatus', 403)
  assert.equal((await status()).status, 'Stopped')
  await start()
  assert.equal((await status()).status, 'Running')
  assert.equal((await status()).stoppedMode, 'Not-applicable')

  // Force releases a running instance with its primary ENI and address.
  await del(true)
  assert.equal((await describe(c)).totalCount, 0)
  assert.equal((await enis(c)).totalCount, 0)
  const missing = await ecsError(() => del(true), 'InvalidInstanceId.NotFound', 404)
  assert.match(missing.message, /The specified InstanceId does not exist\./)
  await ecsError(start, 'InvalidInstanceId.NotFound', 404)
  await ecsError(stop, 'InvalidInstanceId.NotFound', 404)

  // The address is free again; a stopped instance goes without Force.
  const [next] = await run(c)
  assert.deepEqual(ipsOf(await describe(c)), ['127.2.0.1'])
  await c.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: next }))
  await c.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: next }))
  assert.equal((await describe(c)).totalCount, 0)
})

test('CreateNetworkInterface, DescribeNetworkInterfaces, DeleteNetworkInterface', async (t) => {
  const s = await startTestServer(t)
  const c = ecsClient(s)
  const [instanceId] = await run(c)
  const instance = (await describe(c)).instances!.instance![0]!

  const created = await createEni(c)
  assert.match(created.networkInterfaceId!, ENI_ID)
  assert.equal(created.status, 'Available')
  assert.equal(created.type, 'Secondary')
  assert.equal(created.privateIpAddress, '127.2.0.2')
  assert.equal(created.vpcId, instance.vpcAttributes!.vpcId)
  assert.equal(created.vSwitchId, instance.vpcAttributes!.vSwitchId)
  assert.equal(created.zoneId, 'cn-hangzhou-h')
  assert.match(created.macAddress!, MAC)
  assert.equal(created.ownerId !== undefined && /^\d{16}$/.test(created.ownerId), true)
  assert.deepEqual(
    created.privateIpSets!.privateIpSet!.map((p) => [p.privateIpAddress, p.primary]),
    [['127.2.0.2', true]],
  )
  assert.deepEqual(created.securityGroupIds!.securityGroupId, [])

  const named = await createEni(c, {
    primaryIpAddress: '127.2.9.9',
    networkInterfaceName: 'backend-eni',
    description: 'for the LB',
    vSwitchId: 'vsw-bp1other000000000000',
    securityGroupId: 'sg-bp1ignored',
  })
  assert.equal(named.privateIpAddress, '127.2.9.9')
  assert.equal(named.networkInterfaceName, 'backend-eni')
  assert.equal(named.description, 'for the LB')
  assert.equal(named.vSwitchId, 'vsw-bp1other000000000000')

  const all = await enis(c)
  assert.equal(all.totalCount, 3)
  assert.equal(all.pageNumber, 1)
  assert.equal(all.pageSize, 10)
  const set = all.networkInterfaceSets!.networkInterfaceSet!
  const primary = set.find((e) => e.instanceId === instanceId)!
  assert.equal(primary.type, 'Primary')
  assert.equal(primary.status, 'InUse')
  assert.equal(primary.privateIpAddress, '127.2.0.1')
  assert.equal(primary.networkInterfaceId, instance.networkInterfaces!.networkInterface![0]!.networkInterfaceId)
  assert.equal(primary.macAddress, instance.networkInterfaces!.networkInterface![0]!.macAddress)
  const listed = set.find((e) => e.networkInterfaceId === named.networkInterfaceId)!
  assert.equal(listed.status, 'Available')
  assert.equal(listed.instanceId, '')
  assert.match(listed.creationTime!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
  assert.deepEqual(
    listed.privateIpSets!.privateIpSet!.map((p) => [p.privateIpAddress, p.primary]),
    [['127.2.9.9', true]],
  )
  assert.deepEqual(listed.tags!.tag, [])

  const ids = async (fields: Partial<$Ecs.DescribeNetworkInterfacesRequest>) =>
    (await enis(c, fields)).networkInterfaceSets!.networkInterfaceSet!.map((e) => e.networkInterfaceId).sort()
  assert.deepEqual(
    await ids({ networkInterfaceId: [created.networkInterfaceId!, named.networkInterfaceId!, 'eni-missing'] }),
    [created.networkInterfaceId, named.networkInterfaceId].sort(),
  )
  assert.deepEqual(await ids({ primaryIpAddress: '127.2.9.9' }), [named.networkInterfaceId])
  assert.deepEqual(await ids({ privateIpAddress: ['127.2.0.2'] }), [created.networkInterfaceId])
  assert.deepEqual(await ids({ networkInterfaceName: 'backend-eni' }), [named.networkInterfaceId])
  assert.deepEqual(await ids({ status: 'InUse' }), [primary.networkInterfaceId])
  assert.deepEqual(await ids({ type: 'Primary' }), [primary.networkInterfaceId])
  assert.deepEqual(await ids({ instanceId }), [primary.networkInterfaceId])
  assert.equal((await enis(c, { type: 'Secondary' })).totalCount, 2)
  assert.equal((await enis(c, { regionId: 'cn-beijing' })).totalCount, 0)
  const paged = await enis(c, { pageSize: 2, pageNumber: 2 })
  assert.equal(paged.networkInterfaceSets!.networkInterfaceSet!.length, 1)
  const tooMany = Array.from({ length: 101 }, (_, i) => `eni-${i}`)
  await ecsError(() => enis(c, { networkInterfaceId: tooMany }), 'InvalidParameter', 400)

  // The primary ENI goes only with its instance.
  const del = (id: string) =>
    c.deleteNetworkInterface(new $Ecs.DeleteNetworkInterfaceRequest({ regionId: HZ, networkInterfaceId: id }))
  await ecsError(() => del(primary.networkInterfaceId!), 'InvalidOperation.InvalidEniState', 403)
  assert.equal((await enis(c)).totalCount, 3)
  await del(created.networkInterfaceId!)
  await ecsError(() => del(created.networkInterfaceId!), 'InvalidEniId.NotFound', 404)
  assert.equal((await enis(c)).totalCount, 2)
  // Its address is free again.
  const again = await createEni(c)
  assert.equal(again.privateIpAddress, '127.2.0.2')
  const noRegion = new $Ecs.DeleteNetworkInterfaceRequest({ networkInterfaceId: again.networkInterfaceId })
  await ecsError(() => c.deleteNetworkInterface(noRegion), 'MissingParameter', 400)
})

test('RunInstances and DescribeInstances through pop-core and openapi-client V3: raw JSON', async (t) => {
  const s = await startTestServer(t)
  const callers: RpcCaller[] = [popCore(s, 'GET'), popCore(s, 'POST'), openApi(s, 'v3')]
  let total = 0
  for (const client of callers) {
    const ran = await client.call(
      'RunInstances',
      { RegionId: HZ, Amount: 2, InstanceName: 'raw', 'Tag.1.Key': 'k', 'Tag.1.Value': 'v', SecurityGroupId: 'sg-1' },
      ECS,
    )
    total += 2
    assert.equal(ran['Code'], undefined, client.name)
    assert.deepEqual(Object.keys(ran).sort(), ['InstanceIdSets', 'OrderId', 'RequestId', 'TradePrice'], client.name)
    assert.equal(ran['InstanceIdSets']['InstanceIdSet'].length, 2)
    assert.equal(typeof ran['TradePrice'], 'number')
    assert.equal(typeof ran['OrderId'], 'string')

    const body = await client.call('DescribeInstances', { RegionId: HZ, PageSize: 50 }, ECS)
    assert.equal(body['Code'], undefined, client.name)
    assert.equal(body['TotalCount'], total, client.name)
    assert.equal(body['PageNumber'], 1)
    assert.equal(body['PageSize'], 50)
    const item = body['Instances']['Instance'][0]
    assert.equal(typeof item['Cpu'], 'number')
    assert.equal(typeof item['Memory'], 'number')
    assert.equal(typeof item['IoOptimized'], 'boolean')
    assert.ok(Array.isArray(item['VpcAttributes']['PrivateIpAddress']['IpAddress']))
    assert.ok(Array.isArray(item['NetworkInterfaces']['NetworkInterface']))
    assert.equal(item['NetworkInterfaces']['NetworkInterface'][0]['Type'], 'Primary')
    assert.deepEqual(item['Tags'], { Tag: [] })

    const ids = JSON.stringify(ran['InstanceIdSets']['InstanceIdSet'])
    const some = await client.call('DescribeInstances', { RegionId: HZ, InstanceIds: ids }, ECS)
    assert.equal(some['TotalCount'], 2, client.name)

    const malformed = await callError(() => client.call('DescribeInstances', { RegionId: HZ, InstanceIds: 'i-x' }, ECS))
    assert.equal(malformed.code, 'InvalidInstanceIds.Malformed', client.name)
    const notStrings = await callError(() =>
      client.call('DescribeInstances', { RegionId: HZ, InstanceIds: '[1,2]' }, ECS),
    )
    assert.equal(notStrings.code, 'InvalidInstanceIds.Malformed', client.name)
    const hundredOne = JSON.stringify(Array.from({ length: 101 }, (_, i) => `i-${i}`))
    const tooMany = await callError(() =>
      client.call('DescribeInstances', { RegionId: HZ, InstanceIds: hundredOne }, ECS),
    )
    assert.equal(tooMany.code, 'InvalidParameter.TooManyInstanceIds', client.name)
    const noRegion = await callError(() => client.call('DescribeInstances', {}, ECS))
    assert.equal(noRegion.code, 'MissingParameter', client.name)
    const badSize = await callError(() => client.call('DescribeInstances', { RegionId: HZ, PageSize: 101 }, ECS))
    assert.equal(badSize.code, 'InvalidParameter', client.name)
  }
})

test('XML: a signed GET with Format=XML for RunInstances, DescribeInstances and an error', async (t) => {
  const s = await startTestServer(t)
  const get = async (params: Record<string, string>) => {
    const all: Record<string, string> = {
      Format: 'XML',
      Version: ECS,
      AccessKeyId: s.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: randomUUID(),
      Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...params,
    }
    const signature = v1Signature(s.accessKeySecret, v1StringToSign('GET', Object.entries(all)))
    const query = [...Object.entries(all), ['Signature', signature]]
      .map(([k, v]) => `${percentEncode(k!)}=${percentEncode(v!)}`)
      .join('&')
    const res = await fetch(`http://${s.host}:${s.port}/?${query}`)
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() }
  }

  const ran = await get({ Action: 'RunInstances', RegionId: HZ, PrivateIpAddress: '127.2.3.4' })
  assert.equal(ran.status, 200, ran.body)
  assert.equal(ran.type, 'text/xml;charset=utf-8')
  const id = /<InstanceIdSets><InstanceIdSet>(i-[a-z0-9]+)<\/InstanceIdSet><\/InstanceIdSets>/.exec(ran.body)?.[1]
  assert.match(id ?? '', INSTANCE_ID, ran.body)
  assert.match(ran.body, /^<\?xml version="1.0" encoding="UTF-8"\?><RunInstancesResponse><RequestId>/)

  const listed = await get({ Action: 'DescribeInstances', RegionId: HZ })
  assert.equal(listed.status, 200, listed.body)
  assert.match(listed.body, /<TotalCount>1<\/TotalCount>/)
  assert.match(listed.body, new RegExp(`<Instances><Instance><InstanceId>${id}</InstanceId>`))
  assert.match(listed.body, /<PrivateIpAddress><IpAddress>127\.2\.3\.4<\/IpAddress><\/PrivateIpAddress>/)

  const dup = await get({ Action: 'RunInstances', RegionId: HZ, PrivateIpAddress: '127.2.3.4' })
  assert.equal(dup.status, 400)
  assert.match(dup.body, /^<\?xml version="1.0" encoding="UTF-8"\?><Error><RequestId>[^<]+<\/RequestId><HostId>/)
  assert.match(dup.body, /<Code>InvalidPrivateIpAddress\.Duplicated<\/Code>/)
})
