/** Load balancer actions through the real clients: shapes, CCM and Terraform flows, errors, quota, pool, XML. */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { XMLParser } from 'fast-xml-parser'
import { parsePool } from '../../src/domain/ipv4.js'
import { allClients, callError, openApi, popCore, type Body, type RpcCaller, signedXmlGet } from '../helpers/clients.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const REGION = 'cn-hangzhou'
const LB_ID = /^lb-bp1[a-z0-9]{19}$/
const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/

// A fixed clock inside the signature window, so times in responses are exact.
const NOW = Math.floor(Date.now() / 1000) * 1000 + 250
const attributeTime = new Date(NOW).toISOString().replace(/\.\d{3}Z$/, 'Z')
const listTime = `${new Date(NOW + 8 * 3600 * 1000).toISOString().slice(0, 16)}Z`

const start = (t: Parameters<typeof startTestServer>[0], config: Parameters<typeof startTestServer>[1] = {}) =>
  startTestServer(t, { now: () => NOW, ...config })

const listAll = async (c: RpcCaller, extra: Record<string, unknown> = {}): Promise<Body> =>
  c.call('DescribeLoadBalancers', { RegionId: REGION, PageSize: 100, ...extra })

const attribute = (c: RpcCaller, id: string): Promise<Body> =>
  c.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: id })

const protect = (c: RpcCaller, id: string, on: 'on' | 'off'): Promise<Body> =>
  c.call('SetLoadBalancerDeleteProtection', { RegionId: REGION, LoadBalancerId: id, DeleteProtection: on })

/** Every field of DescribeLoadBalancerAttribute for an instance, in the order the server sends. */
const expectedAttribute = (requestId: string, o: Record<string, unknown>): Body => ({
  RequestId: requestId,
  LoadBalancerId: o['LoadBalancerId'],
  LoadBalancerName: o['LoadBalancerName'],
  LoadBalancerStatus: o['LoadBalancerStatus'] ?? 'active',
  BusinessStatus: 'Normal',
  Address: o['Address'],
  AddressType: o['AddressType'] ?? 'internet',
  AddressIPVersion: 'ipv4',
  RegionId: REGION,
  RegionIdAlias: REGION,
  VpcId: o['VpcId'] ?? '',
  VSwitchId: o['VSwitchId'] ?? '',
  NetworkType: o['NetworkType'] ?? 'classic',
  MasterZoneId: o['MasterZoneId'] ?? 'cn-hangzhou-h',
  SlaveZoneId: o['SlaveZoneId'] ?? 'cn-hangzhou-i',
  InternetChargeType: o['InternetChargeType'] ?? 'paybytraffic',
  PayType: 'PayOnDemand',
  InstanceChargeType: o['InstanceChargeType'] ?? 'PayBySpec',
  LoadBalancerSpec: o['LoadBalancerSpec'] ?? '',
  SpecType: '',
  SpecBpsFlag: false,
  Bandwidth: o['Bandwidth'] ?? 5120,
  CreateTime: attributeTime,
  CreateTimeStamp: NOW,
  EndTime: '2999-09-08T16:00:00Z',
  EndTimeStamp: 32493801600000,
  AutoReleaseTime: 0,
  RenewalStatus: '',
  RenewalDuration: 0,
  RenewalCycUnit: '',
  ResourceGroupId: o['ResourceGroupId'] ?? '',
  DeleteProtection: o['DeleteProtection'] ?? 'off',
  ModificationProtectionStatus: o['ModificationProtectionStatus'] ?? 'NonProtection',
  ModificationProtectionReason: o['ModificationProtectionReason'] ?? '',
  ServiceManagedMode: '',
  CloudType: '',
  CloudInstanceType: '',
  CloudInstanceId: '',
  CloudInstanceUid: 0,
  TunnelType: '',
  SupportPrivateLink: false,
  AssociatedCenId: '',
  AssociatedCenStatus: '',
  HasReservedInfo: 'false',
  ReservedInfoOrderType: '',
  ReservedInfoInternetChargeType: '',
  ReservedInfoBandwidth: '',
  ReservedInfoActiveTime: '',
  Labels: { Label: [] },
  ListenerPorts: { ListenerPort: [] },
  ListenerPortsAndProtocol: { ListenerPortAndProtocol: [] },
  ListenerPortsAndProtocal: { ListenerPortAndProtocal: [] },
  BackendServers: { BackendServer: [] },
  Tags: { Tag: o['Tags'] ?? [] },
})

test('create, describe (both views) and delete through every client style', async (t) => {
  const s = await start(t)
  for (const client of allClients(s)) {
    const created = await client.call('CreateLoadBalancer', {
      RegionId: REGION,
      LoadBalancerName: 'web-1.prod_a',
      LoadBalancerSpec: 'slb.s2.small',
      VpcId: 'vpc-bp1aevy8sofi8mh1q5cm',
      VSwitchId: 'vsw-bp12mw1f8k3jgygk9bmlj',
      InternetChargeType: 'PayByBandwidth',
      Bandwidth: 10,
      MasterZoneId: 'cn-hangzhou-j',
      SlaveZoneId: 'cn-hangzhou-k',
      ResourceGroupId: 'rg-acfmxazb4ph6aiy',
      'Tag.1.Key': 'env',
      'Tag.1.Value': 'prod',
      'Tag.2.Key': 'team',
    })
    assert.equal(created['Code'], undefined, client.name)
    assert.match(created['RequestId'], REQUEST_ID)
    assert.match(created['LoadBalancerId'], LB_ID)
    assert.equal(typeof created['OrderId'], 'number', client.name)
    assert.ok(Number.isSafeInteger(created['OrderId']) && created['OrderId'] > 0)
    const id: string = created['LoadBalancerId']
    // Nothing else holds an address, so each client's instance gets the pool's first one.
    const address = '127.1.0.1'
    assert.deepEqual(created, {
      RequestId: created['RequestId'],
      LoadBalancerId: id,
      Address: address,
      LoadBalancerName: 'web-1.prod_a',
      VpcId: 'vpc-bp1aevy8sofi8mh1q5cm',
      VSwitchId: 'vsw-bp12mw1f8k3jgygk9bmlj',
      NetworkType: 'vpc',
      AddressIPVersion: 'ipv4',
      ResourceGroupId: 'rg-acfmxazb4ph6aiy',
      OrderId: created['OrderId'],
    })

    const fields = {
      LoadBalancerId: id,
      LoadBalancerName: 'web-1.prod_a',
      Address: address,
      // A vSwitch makes the default address type intranet (contract §2.2).
      AddressType: 'intranet',
      VpcId: 'vpc-bp1aevy8sofi8mh1q5cm',
      VSwitchId: 'vsw-bp12mw1f8k3jgygk9bmlj',
      NetworkType: 'vpc',
      MasterZoneId: 'cn-hangzhou-j',
      SlaveZoneId: 'cn-hangzhou-k',
      InternetChargeType: 'paybybandwidth',
      LoadBalancerSpec: 'slb.s2.small',
      Bandwidth: 10,
      ResourceGroupId: 'rg-acfmxazb4ph6aiy',
      Tags: [
        { TagKey: 'env', TagValue: 'prod' },
        { TagKey: 'team', TagValue: '' },
      ],
    }
    const attr = await attribute(client, id)
    assert.deepEqual(attr, expectedAttribute(attr['RequestId'], fields), client.name)

    const list = await client.call('DescribeLoadBalancers', { RegionId: REGION, LoadBalancerId: id })
    assert.deepEqual(list, {
      RequestId: list['RequestId'],
      PageNumber: 1,
      PageSize: 50,
      TotalCount: 1,
      LoadBalancers: {
        LoadBalancer: [
          {
            LoadBalancerId: id,
            LoadBalancerName: 'web-1.prod_a',
            LoadBalancerStatus: 'active',
            BusinessStatus: 'Normal',
            Address: address,
            AddressType: 'intranet',
            AddressIPVersion: 'ipv4',
            RegionId: REGION,
            RegionIdAlias: REGION,
            VpcId: 'vpc-bp1aevy8sofi8mh1q5cm',
            VSwitchId: 'vsw-bp12mw1f8k3jgygk9bmlj',
            NetworkType: 'vpc',
            MasterZoneId: 'cn-hangzhou-j',
            SlaveZoneId: 'cn-hangzhou-k',
            // The numeric code here, the name in the alias (contract §2.2 quirk).
            InternetChargeType: '3',
            InternetChargeTypeAlias: 'paybybandwidth',
            PayType: 'PayOnDemand',
            InstanceChargeType: 'PayBySpec',
            LoadBalancerSpec: 'slb.s2.small',
            SpecType: '',
            SpecBpsFlag: false,
            Bandwidth: 10,
            CreateTime: listTime,
            CreateTimeStamp: NOW,
            ResourceGroupId: 'rg-acfmxazb4ph6aiy',
            DeleteProtection: 'off',
            ModificationProtectionStatus: 'NonProtection',
            ModificationProtectionReason: '',
            ServiceManagedMode: '',
            ServiceManagedReason: '',
            IneffectiveOrderList: { IneffectiveOrder: [] },
            Tags: { Tag: fields.Tags },
          },
        ],
      },
    })

    const deleted = await client.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: id })
    assert.deepEqual(deleted, { RequestId: deleted['RequestId'] }, client.name)
    assert.match(deleted['RequestId'], REQUEST_ID)
    assert.equal((await listAll(client))['TotalCount'], 0, client.name)
    const tags = await client.call('ListTagResources', {
      RegionId: REGION,
      ResourceType: 'instance',
      'ResourceId.1': id,
    })
    assert.deepEqual(tags['TagResources'], { TagResource: [] })
  }
})

test('CCM flow: ClientToken create, immediate read-back, find by tags and by name, protected delete', async (t) => {
  const s = await start(t)
  for (const client of allClients(s)) {
    const uid = randomUUID().replaceAll('-', '')
    const name = `a${uid}`.slice(0, 32)
    const token = randomUUID()
    // What the CCM sends by default (contract §2.2 CCM specifics).
    const request = {
      RegionId: REGION,
      ClientToken: token,
      AddressType: 'internet',
      LoadBalancerSpec: 'slb.s1.small',
      AddressIPVersion: 'ipv4',
      DeleteProtection: 'on',
      ModificationProtectionStatus: 'ConsoleProtection',
      ModificationProtectionReason: 'managed.by.ack',
      LoadBalancerName: name,
      'Tag.1.Key': 'kubernetes.do.not.delete',
      'Tag.1.Value': name,
      'Tag.2.Key': 'ack.aliyun.com',
      'Tag.2.Value': 'c123456',
    }
    const created = await client.call('CreateLoadBalancer', request)
    const id: string = created['LoadBalancerId']

    // The CCM reads the instance right after creating it and requires the same ID (contract §7.5).
    const attr = await client.call('DescribeLoadBalancerAttribute', { LoadBalancerId: id })
    assert.equal(attr['LoadBalancerId'], id, client.name)
    assert.equal(attr['DeleteProtection'], 'on')
    assert.equal(attr['ModificationProtectionStatus'], 'ConsoleProtection')
    assert.equal(attr['ModificationProtectionReason'], 'managed.by.ack')
    assert.equal(attr['InternetChargeType'], 'paybytraffic')

    // A replay with the same token returns the same instance and creates nothing.
    const before = await listAll(client)
    const replay = await client.call('CreateLoadBalancer', request)
    assert.deepEqual({ ...replay, RequestId: '' }, { ...created, RequestId: '' }, client.name)
    assert.notEqual(replay['RequestId'], created['RequestId'])
    assert.deepEqual({ ...(await listAll(client)), RequestId: '' }, { ...before, RequestId: '' })

    // The CCM's lookup by the legacy Tags filter (array dialect), which must find exactly one.
    const byTags = await client.call('DescribeLoadBalancers', {
      RegionId: REGION,
      Tags: JSON.stringify([
        { TagKey: 'kubernetes.do.not.delete', TagValue: name },
        { TagKey: 'ack.aliyun.com', TagValue: 'c123456' },
      ]),
    })
    assert.equal(byTags['TotalCount'], 1, client.name)
    const item = byTags['LoadBalancers']['LoadBalancer'][0]
    assert.equal(item['LoadBalancerId'], id)
    assert.equal(item['InternetChargeTypeAlias'], 'paybytraffic')
    assert.equal(item['InternetChargeType'], '4')
    // Tags of one call come back in key order.
    assert.deepEqual(item['Tags'], {
      Tag: [
        { TagKey: 'ack.aliyun.com', TagValue: 'c123456' },
        { TagKey: 'kubernetes.do.not.delete', TagValue: name },
      ],
    })
    // AND semantics: one matching and one mismatching tag finds nothing.
    const mismatch = await client.call('DescribeLoadBalancers', {
      RegionId: REGION,
      Tags: JSON.stringify([
        { TagKey: 'kubernetes.do.not.delete', TagValue: name },
        { TagKey: 'ack.aliyun.com', TagValue: 'other' },
      ]),
    })
    assert.equal(mismatch['TotalCount'], 0)
    assert.deepEqual(mismatch['LoadBalancers'], { LoadBalancer: [] })

    // The lookup by name alone, without paging parameters.
    const byName = await client.call('DescribeLoadBalancers', { RegionId: REGION, LoadBalancerName: name })
    assert.deepEqual(
      byName['LoadBalancers']['LoadBalancer'].map((lb: Body) => lb['LoadBalancerId']),
      [id],
    )

    // Service deletion: protection off first, then delete (contract §7.5 step 7).
    const refused = await callError(() => client.call('DeleteLoadBalancer', { LoadBalancerId: id }))
    assert.equal(refused.code, 'OperationDenied.DeleteProtection', client.name)
    assert.equal((await attribute(client, id))['LoadBalancerId'], id)
    await protect(client, id, 'off')
    await client.call('DeleteLoadBalancer', { LoadBalancerId: id })
    assert.equal((await listAll(client, { LoadBalancerName: name }))['TotalCount'], 0)
  }
})

test('Terraform flow: create, poll active, set name and protections, delete, then 404', async (t) => {
  const s = await start(t)
  // Terraform's RpcPost is a V1-signed form POST; openapi-client V3 reports the HTTP status.
  for (const client of [openApi(s, 'v2'), openApi(s, 'v3')]) {
    const created = await client.call('CreateLoadBalancer', {
      RegionId: REGION,
      ClientToken: randomUUID(),
      LoadBalancerName: 'tf-testAccSlb',
      AddressType: 'internet',
      InternetChargeType: 'PayByTraffic',
      LoadBalancerSpec: 'slb.s2.small',
      PayType: 'PayOnDemand',
    })
    const id: string = created['LoadBalancerId']
    assert.equal((await attribute(client, id))['LoadBalancerStatus'], 'active', client.name)

    await client.call('SetLoadBalancerName', { LoadBalancerId: id, LoadBalancerName: 'tf-renamed' })
    await protect(client, id, 'on')
    await client.call('SetLoadBalancerModificationProtection', {
      RegionId: REGION,
      LoadBalancerId: id,
      ModificationProtectionStatus: 'ConsoleProtection',
      ModificationProtectionReason: 'terraform',
    })
    const attr = await attribute(client, id)
    assert.deepEqual(
      ['LoadBalancerName', 'DeleteProtection', 'ModificationProtectionStatus', 'ModificationProtectionReason'].map(
        (name) => attr[name],
      ),
      ['tf-renamed', 'on', 'ConsoleProtection', 'terraform'],
    )

    const refused = await callError(() => client.call('DeleteLoadBalancer', { LoadBalancerId: id }))
    assert.equal(refused.code, 'OperationDenied.DeleteProtection')
    assert.equal(refused.statusCode, 400)
    assert.deepEqual({ ...(await attribute(client, id)), RequestId: '' }, { ...attr, RequestId: '' })

    await protect(client, id, 'off')
    await client.call('DeleteLoadBalancer', { LoadBalancerId: id })
    const gone = await callError(() => attribute(client, id))
    assert.equal(gone.code, 'InvalidLoadBalancerId.NotFound', client.name)
    assert.equal(gone.statusCode, 404)
    assert.equal(gone.data?.['Message'], 'The specified LoadBalancerId does not exist.')
    // Terraform's delete ignores NotFound, so a repeated delete must say exactly that.
    const again = await callError(() => client.call('DeleteLoadBalancer', { LoadBalancerId: id }))
    assert.equal(again.code, 'InvalidLoadBalancerId.NotFound')
  }
})

test('setters store and echo status, protection and the billing attributes', async (t) => {
  const s = await start(t)
  for (const client of allClients(s)) {
    const { LoadBalancerId: id } = await client.call('CreateLoadBalancer', { RegionId: REGION })
    const fresh = await attribute(client, id)
    assert.equal(fresh['LoadBalancerName'], 'auto_named_slb')
    assert.equal(fresh['LoadBalancerSpec'], '')

    const ok = await client.call('SetLoadBalancerStatus', { LoadBalancerId: id, LoadBalancerStatus: 'inactive' })
    assert.deepEqual(ok, { RequestId: ok['RequestId'] })
    await client.call('SetLoadBalancerModificationProtection', {
      RegionId: REGION,
      LoadBalancerId: id,
      ModificationProtectionStatus: 'ConsoleProtection',
      ModificationProtectionReason: 'managed.by.ack',
    })
    // NonProtection clears the reason even when one is sent.
    await client.call('SetLoadBalancerModificationProtection', {
      RegionId: REGION,
      LoadBalancerId: id,
      ModificationProtectionStatus: 'NonProtection',
      ModificationProtectionReason: 'ignored',
    })
    const spec = await client.call('ModifyLoadBalancerInstanceSpec', {
      LoadBalancerId: id,
      LoadBalancerSpec: 'slb.s3.medium',
    })
    assert.deepEqual(Object.keys(spec).sort(), ['OrderId', 'RequestId'])
    assert.equal(typeof spec['OrderId'], 'number')
    const internet = await client.call('ModifyLoadBalancerInternetSpec', {
      LoadBalancerId: id,
      InternetChargeType: 'paybybandwidth',
      Bandwidth: 200,
    })
    assert.equal(typeof internet['OrderId'], 'number')
    const charge = await client.call('ModifyLoadBalancerInstanceChargeType', {
      LoadBalancerId: id,
      InstanceChargeType: 'PayByCLCU',
    })
    assert.deepEqual(charge, { RequestId: charge['RequestId'] })

    const attr = await attribute(client, id)
    assert.deepEqual(
      attr,
      expectedAttribute(attr['RequestId'], {
        LoadBalancerId: id,
        LoadBalancerName: 'auto_named_slb',
        Address: fresh['Address'],
        LoadBalancerStatus: 'inactive',
        LoadBalancerSpec: 'slb.s3.medium',
        InternetChargeType: 'paybybandwidth',
        Bandwidth: 200,
        InstanceChargeType: 'PayByCLCU',
      }),
      client.name,
    )
    const listed = (await listAll(client, { LoadBalancerStatus: 'inactive' }))['LoadBalancers']['LoadBalancer']
    assert.deepEqual(listed.map((lb: Body) => [lb['LoadBalancerId'], lb['InternetChargeType']]), [[id, '3']])
    await client.call('DeleteLoadBalancer', { LoadBalancerId: id })
  }
})

test('DescribeLoadBalancers filters and paging', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'POST')
  const ids: string[] = []
  for (const [i, extra] of [
    { LoadBalancerName: 'alpha', 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod' },
    { LoadBalancerName: 'beta', VpcId: 'vpc-1', VSwitchId: 'vsw-1', 'Tag.1.Key': 'env', 'Tag.1.Value': 'dev' },
    { LoadBalancerName: 'gamma', AddressType: 'intranet', InternetChargeType: 'paybybandwidth', Bandwidth: 5 },
  ].entries()) {
    const created = await c.call('CreateLoadBalancer', { RegionId: REGION, ...extra })
    assert.equal(created['Address'], `127.1.0.${i + 1}`)
    ids.push(created['LoadBalancerId'])
  }
  const [alpha, beta, gamma] = ids as [string, string, string]
  const found = async (params: Record<string, unknown>): Promise<string[]> =>
    ((await listAll(c, params))['LoadBalancers']['LoadBalancer'] as Body[]).map((lb) => lb['LoadBalancerId']).sort()

  assert.deepEqual(await found({}), [...ids].sort())
  assert.deepEqual(await found({ LoadBalancerId: `${alpha},${gamma}` }), [alpha, gamma].sort())
  assert.deepEqual(await found({ LoadBalancerName: 'beta,gamma' }), [beta, gamma].sort())
  assert.deepEqual(await found({ NetworkType: 'vpc' }), [beta])
  assert.deepEqual(await found({ VpcId: 'vpc-1' }), [beta])
  assert.deepEqual(await found({ VSwitchId: 'vsw-1', AddressType: 'intranet' }), [beta])
  assert.deepEqual(await found({ AddressType: 'internet' }), [alpha])
  assert.deepEqual(await found({ Address: '127.1.0.3' }), [gamma])
  assert.deepEqual(await found({ InternetChargeType: 'paybybandwidth' }), [gamma])
  assert.deepEqual(await found({ MasterZoneId: 'cn-hangzhou-h', SlaveZoneId: 'cn-hangzhou-i' }), [...ids].sort())
  assert.deepEqual(await found({ 'Tag.1.Key': 'env' }), [alpha, beta].sort())
  assert.deepEqual(await found({ 'Tag.1.Key': 'env', 'Tag.1.Value': 'dev' }), [beta])
  // The documented object dialect with lower-camel keys (contract §2.2).
  assert.deepEqual(await found({ Tags: '{"tagKey":"env","tagValue":"prod"}' }), [alpha])
  assert.deepEqual(await found({ Tags: '[{"tagkey":"env"}]', 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod' }), [alpha])
  assert.deepEqual(await found({ LoadBalancerStatus: 'inactive' }), [])
  // No instance has backend servers yet, so a backend filter matches nothing.
  assert.deepEqual(await found({ ServerId: 'i-bp1abc' }), [])

  const page1 = await c.call('DescribeLoadBalancers', { RegionId: REGION, PageNumber: 1, PageSize: 2 })
  const page2 = await c.call('DescribeLoadBalancers', { RegionId: REGION, PageNumber: 2, PageSize: 2 })
  const page3 = await c.call('DescribeLoadBalancers', { RegionId: REGION, PageNumber: 3, PageSize: 2 })
  assert.deepEqual(
    [page1, page2, page3].map((p) => [
      p['PageNumber'],
      p['PageSize'],
      p['TotalCount'],
      p['LoadBalancers']['LoadBalancer'].length,
    ]),
    [
      [1, 2, 3, 2],
      [2, 2, 3, 1],
      [3, 2, 3, 0],
    ],
  )
  const paged = [...page1['LoadBalancers']['LoadBalancer'], ...page2['LoadBalancers']['LoadBalancer']]
  assert.deepEqual(paged.map((lb: Body) => lb['LoadBalancerId']).sort(), [...ids].sort())
  // Another region sees none of them.
  assert.equal((await c.call('DescribeLoadBalancers', { RegionId: 'cn-beijing' }))['TotalCount'], 0)
  const elsewhere = await callError(() =>
    c.call('DescribeLoadBalancerAttribute', { RegionId: 'cn-beijing', LoadBalancerId: alpha }),
  )
  assert.equal(elsewhere.code, 'InvalidLoadBalancerId.NotFound')
})

test('parameter and not-found errors carry exact codes and change nothing', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'GET')
  const { LoadBalancerId: id } = await c.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'keep' })
  const before = await listAll(c)
  const same = async () => assert.deepEqual({ ...(await listAll(c)), RequestId: '' }, { ...before, RequestId: '' })
  const expect = async (action: string, params: Record<string, unknown>, code: string, message?: string) => {
    const e = await callError(() => c.call(action, params))
    assert.equal(e.code, code, `${action} ${JSON.stringify(params)}`)
    if (message !== undefined) assert.equal(e.data?.['Message'], message)
    await same()
  }

  await expect(
    'DescribeLoadBalancerAttribute',
    { RegionId: REGION },
    'MissingParameter',
    'The input parameter "LoadBalancerId" that is mandatory for processing this request is not supplied.',
  )
  const byId = ['DeleteLoadBalancer', 'SetLoadBalancerName', 'SetLoadBalancerStatus', 'ModifyLoadBalancerInstanceSpec']
  for (const action of byId) {
    await expect(action, { RegionId: REGION }, 'MissingParameter')
  }
  await expect('DescribeLoadBalancers', {}, 'MissingParameter')
  await expect('CreateLoadBalancer', {}, 'MissingParameter')
  await expect('SetLoadBalancerStatus', { LoadBalancerId: id }, 'MissingParameter')
  await expect('SetLoadBalancerDeleteProtection', { LoadBalancerId: id, DeleteProtection: 'on' }, 'MissingParameter')

  await expect(
    'CreateLoadBalancer',
    { RegionId: REGION, AddressType: 'public' },
    'InvalidParameter',
    'The specified parameter "AddressType" is not valid.',
  )
  await expect('CreateLoadBalancer', { RegionId: REGION, LoadBalancerSpec: 'slb.s9.huge' }, 'InvalidParameter')
  await expect('CreateLoadBalancer', { RegionId: REGION, InternetChargeType: 'free' }, 'InvalidParameter')
  await expect('CreateLoadBalancer', { RegionId: REGION, Bandwidth: 5121 }, 'InvalidParameter')
  await expect('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: '1-starts-with-digit' }, 'InvalidParameter')
  await expect('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'x'.repeat(81) }, 'InvalidParameter')
  await expect('CreateLoadBalancer', { RegionId: REGION, MasterZoneId: 'cn-beijing-g' }, 'InvalidParameter')
  await expect('CreateLoadBalancer', { RegionId: REGION, AddressIPVersion: 'ipv6' }, 'InvalidParameter')
  await expect('CreateLoadBalancer', { RegionId: REGION, DeleteProtection: 'yes' }, 'InvalidParameter')
  await expect('CreateLoadBalancer', { RegionId: REGION, Address: '127.1.0.300' }, 'InvalidParameter')
  await expect(
    'CreateLoadBalancer',
    { RegionId: REGION, Address: '10.0.0.1' },
    'InvalidParameter',
    'The specified Address is not in the address pool.',
  )
  await expect(
    'CreateLoadBalancer',
    { RegionId: REGION, Address: before['LoadBalancers']['LoadBalancer'][0]['Address'] },
    'InvalidParameter',
    'The specified Address is already in use.',
  )
  await expect('CreateLoadBalancer', { RegionId: 'xx-nowhere-1' }, 'InvalidRegionId.NotFound')
  await expect('SetLoadBalancerStatus', { LoadBalancerId: id, LoadBalancerStatus: 'locked' }, 'InvalidParameter')
  await expect(
    'SetLoadBalancerDeleteProtection',
    { RegionId: REGION, LoadBalancerId: id, DeleteProtection: 'true' },
    'InvalidParameter',
  )
  await expect(
    'SetLoadBalancerModificationProtection',
    { RegionId: REGION, LoadBalancerId: id, ModificationProtectionStatus: 'Console' },
    'InvalidParameter',
  )
  await expect('ModifyLoadBalancerInternetSpec', { LoadBalancerId: id, Bandwidth: 0 }, 'InvalidParameter')
  await expect(
    'ModifyLoadBalancerInstanceChargeType',
    { LoadBalancerId: id, InstanceChargeType: 'Free' },
    'InvalidParameter',
  )
  await expect('DescribeLoadBalancers', { RegionId: REGION, PageSize: 101 }, 'InvalidParameter')
  await expect('DescribeLoadBalancers', { RegionId: REGION, PageNumber: 0 }, 'InvalidParameter')
  await expect('DescribeLoadBalancers', { RegionId: REGION, LoadBalancerStatus: 'running' }, 'InvalidParameter')
  await expect(
    'DescribeLoadBalancers',
    { RegionId: REGION, LoadBalancerId: Array.from({ length: 11 }, (_, i) => `lb-${i}`).join(',') },
    'InvalidParameter',
  )
  await expect('DescribeLoadBalancers', { RegionId: REGION, Tags: '{not json' }, 'InvalidParameter')
  await expect('DescribeLoadBalancers', { RegionId: REGION, Tags: '[{"TagValue":"v"}]' }, 'InvalidParameter')

  const missing = 'lb-bp1doesnotexist0000000'
  for (const [action, params] of [
    ['DescribeLoadBalancerAttribute', {}],
    ['DeleteLoadBalancer', {}],
    ['SetLoadBalancerStatus', { LoadBalancerStatus: 'active' }],
    ['SetLoadBalancerName', { LoadBalancerName: 'x' }],
    ['SetLoadBalancerDeleteProtection', { RegionId: REGION, DeleteProtection: 'on' }],
    ['SetLoadBalancerModificationProtection', { RegionId: REGION, ModificationProtectionStatus: 'NonProtection' }],
    ['ModifyLoadBalancerInstanceSpec', { LoadBalancerSpec: 'slb.s1.small' }],
    ['ModifyLoadBalancerInternetSpec', { Bandwidth: 10 }],
    ['ModifyLoadBalancerInstanceChargeType', { InstanceChargeType: 'PayBySpec' }],
  ] as const) {
    await expect(action, { LoadBalancerId: missing, ...params }, 'InvalidLoadBalancerId.NotFound')
  }
})

test('quota: OverQuota past loadBalancersPerAccount; a ClientToken replay still answers', async (t) => {
  const s = await start(t, { config: { quotas: { backendServersPerLoadBalancer: 200, loadBalancersPerAccount: 2, tagsPerResource: 20 } } })
  const c = openApi(s, 'v3')
  const first = await c.call('CreateLoadBalancer', { RegionId: REGION, ClientToken: 'token-1' })
  await c.call('CreateLoadBalancer', { RegionId: 'cn-beijing' })
  const before = [await listAll(c), await c.call('DescribeLoadBalancers', { RegionId: 'cn-beijing' })]
  const e = await callError(() => c.call('CreateLoadBalancer', { RegionId: REGION }))
  assert.equal(e.code, 'OverQuota')
  assert.equal(e.statusCode, 400)
  assert.equal(e.data?.['Message'], 'Instance num exceeded Quota.')
  const after = [await listAll(c), await c.call('DescribeLoadBalancers', { RegionId: 'cn-beijing' })]
  assert.deepEqual(
    after.map((b) => ({ ...b, RequestId: '' })),
    before.map((b) => ({ ...b, RequestId: '' })),
  )
  const replay = await c.call('CreateLoadBalancer', { RegionId: REGION, ClientToken: 'token-1' })
  assert.equal(replay['LoadBalancerId'], first['LoadBalancerId'])
})

test('address pool: next after the highest, then the lowest free, then exhausted', async (t) => {
  // 127.1.0.0/30 leaves two usable addresses: .1 and .2.
  const s = await start(t, { config: { addressPool: parsePool('127.1.0.0/30') } })
  const c = popCore(s, 'POST')
  const a = await c.call('CreateLoadBalancer', { RegionId: REGION })
  const b = await c.call('CreateLoadBalancer', { RegionId: REGION, ClientToken: 'shared-token' })
  assert.deepEqual([a['Address'], b['Address']], ['127.1.0.1', '127.1.0.2'])

  const before = await listAll(c)
  const e = await callError(() => c.call('CreateLoadBalancer', { RegionId: REGION }))
  assert.equal(e.code, 'VSwitchAvailableIpNotExist')
  assert.deepEqual({ ...(await listAll(c)), RequestId: '' }, { ...before, RequestId: '' })

  // Addresses are unique across accounts: a second account gets none either.
  const other = { ...s, accessKeyId: 'LTAIotheraccount01', accessKeySecret: 'other-secret' } satisfies TestServer
  await s.server.store.ensureAccessKey({
    accessKeyId: other.accessKeyId,
    secret: other.accessKeySecret,
    accountId: '1999000011112222',
    status: 'Active',
  })
  const o = popCore(other, 'GET')
  const full = await callError(() => o.call('CreateLoadBalancer', { RegionId: REGION }))
  assert.equal(full.code, 'VSwitchAvailableIpNotExist')
  // …and sees nothing of the first account.
  assert.equal((await listAll(o))['TotalCount'], 0)
  assert.equal(
    (await callError(() => o.call('DescribeLoadBalancerAttribute', { LoadBalancerId: a['LoadBalancerId'] })))['code'],
    'InvalidLoadBalancerId.NotFound',
  )

  await c.call('DeleteLoadBalancer', { LoadBalancerId: a['LoadBalancerId'] })
  // A ClientToken is the caller's own: the same token in another account creates a new instance.
  const reused = await o.call('CreateLoadBalancer', { RegionId: REGION, ClientToken: 'shared-token' })
  assert.equal(reused['Address'], '127.1.0.1')
  assert.notEqual(reused['LoadBalancerId'], b['LoadBalancerId'])
  await o.call('DeleteLoadBalancer', { LoadBalancerId: reused['LoadBalancerId'] })
  // An explicit free address inside the pool is honoured.
  const explicit = await c.call('CreateLoadBalancer', { RegionId: REGION, Address: '127.1.0.1' })
  assert.equal(explicit['Address'], '127.1.0.1')
})


test('XML: DescribeLoadBalancerAttribute and its not-found error', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'GET')
  const created = await c.call('CreateLoadBalancer', { RegionId: REGION, 'Tag.1.Key': 'env', 'Tag.1.Value': 'x' })
  const id: string = created['LoadBalancerId']
  const parser = new XMLParser({ parseTagValue: false })

  const ok = await signedXmlGet(s, { Action: 'DescribeLoadBalancerAttribute', LoadBalancerId: id })
  assert.equal(ok.status, 200)
  assert.equal(ok.headers.get('content-type'), 'text/xml;charset=utf-8')
  const text = await ok.text()
  assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?><DescribeLoadBalancerAttributeResponse>'))
  const body = parser.parse(text)['DescribeLoadBalancerAttributeResponse']
  assert.equal(body['LoadBalancerId'], id)
  assert.equal(body['Bandwidth'], '5120')
  assert.equal(body['CreateTimeStamp'], String(NOW))
  assert.deepEqual(body['Tags'], { Tag: { TagKey: 'env', TagValue: 'x' } })
  assert.equal(body['BackendServers'], '')

  const missing = await signedXmlGet(s, { Action: 'DescribeLoadBalancerAttribute', LoadBalancerId: 'lb-missing' })
  assert.equal(missing.status, 404)
  const error = parser.parse(await missing.text())['Error']
  assert.equal(error['Code'], 'InvalidLoadBalancerId.NotFound')
  assert.equal(error['Message'], 'The specified LoadBalancerId does not exist.')
})
