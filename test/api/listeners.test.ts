/**
 * Listener actions through the real clients: exact bodies per protocol, the Terraform and CCM call
 * sequences, every rule with its error code (state read back after each refusal), paging, tags,
 * DescribeHealthStatus and one signed XML exchange (contract §2.3, §2.4, §5.2, §5.5, §7.4, §7.5).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { XMLParser } from 'fast-xml-parser'
import { pino } from 'pino'
import { createApp } from '../../src/api/app.js'
import { routes } from '../../src/api/routes.js'
import { DEFAULTS, testConfig } from '../../src/config.js'
import { ACCOUNT, KEY_ID, SECRET, SLB_ACTION, json, signedV1 } from '../helpers/app.js'
import { allClients, callError, ECS, openApi, popCore, type Body, type RpcCaller, signedXmlGet } from '../helpers/clients.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openTestStore } from '../helpers/store.js'

const REGION = 'cn-hangzhou'
const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/
const GONE = 'The specified resource does not exist.'
const NO_LISTENER = 'You have not created a listener for the specified port of the load balancer.'
const NO_GROUP = 'The specified VServerGroupId does not exist.'
const EXISTS = 'A listener with the specified port already exists'
const MISMATCH = 'Abs.VServerGroupIdAndMasterSlaveServerGroupId.MissMatch'
const BANDWIDTH = 'The specified Bandwidth is invalid.'
const missing = (name: string) =>
  `The input parameter "${name}" that is mandatory for processing this request is not supplied.`
const invalid = (name: string) => `The specified parameter "${name}" is not valid.`

type Start = Parameters<typeof startTestServer>
const start = (t: Start[0], options: Start[1] = {}) => startTestServer(t, options)

/** The client's error: code, message and HTTP status (pop-core keeps the status in `entry`). */
const expectError = async (fn: () => Promise<unknown>, code: string, message: string, status = 400) => {
  const e = await callError(fn)
  assert.equal(e.code, code, e.message)
  assert.equal(String(e.data?.['Message']), message)
  const got = e.statusCode ?? (e as { entry?: { response?: { statusCode?: number } } }).entry?.response?.statusCode
  assert.equal(got, status, `${code}: HTTP status`)
}

const createLb = async (c: RpcCaller, extra: Record<string, unknown> = {}): Promise<string> =>
  (await c.call('CreateLoadBalancer', { RegionId: REGION, ...extra }))['LoadBalancerId']

const runInstance = async (c: RpcCaller, ip: string): Promise<string> =>
  (await c.call('RunInstances', { RegionId: REGION, PrivateIpAddress: ip }, ECS))['InstanceIdSets']['InstanceIdSet'][0]

const createGroup = async (c: RpcCaller, lb: string): Promise<string> =>
  (await c.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb }))['VServerGroupId']

type Proto = 'TCP' | 'UDP' | 'HTTP'

const create = (c: RpcCaller, proto: Proto, lb: string, port: number, extra: Record<string, unknown> = {}) =>
  c.call(`CreateLoadBalancer${proto}Listener`, { RegionId: REGION, LoadBalancerId: lb, ListenerPort: port, ...extra })

const describe = (c: RpcCaller, proto: Proto, lb: string, port: number): Promise<Body> =>
  c.call(`DescribeLoadBalancer${proto}ListenerAttribute`, { RegionId: REGION, LoadBalancerId: lb, ListenerPort: port })

const set = (c: RpcCaller, proto: Proto, lb: string, port: number, extra: Record<string, unknown>) =>
  c.call(`SetLoadBalancer${proto}ListenerAttribute`, {
    RegionId: REGION,
    LoadBalancerId: lb,
    ListenerPort: port,
    ...extra,
  })

const byPort = (c: RpcCaller, action: string, lb: string, port: number, protocol?: string) =>
  c.call(action, {
    RegionId: REGION,
    LoadBalancerId: lb,
    ListenerPort: port,
    ...(protocol === undefined ? {} : { ListenerProtocol: protocol }),
  })

const list = (c: RpcCaller, params: Record<string, unknown>): Promise<Body> =>
  c.call('DescribeLoadBalancerListeners', { RegionId: REGION, ...params })

/** `protocol:port:status` of every listener of a load balancer: the state read back after refusals. */
const keys = async (c: RpcCaller, lb: string): Promise<string[]> =>
  ((await list(c, { 'LoadBalancerId.1': lb, MaxResults: 100 }))['Listeners'] as Body[]).map(
    (l) => `${l['ListenerProtocol']}:${l['ListenerPort']}:${l['Status']}`,
  )

const FAILOVER = {
  MasterSlaveServerGroupId: '',
  FailoverStrategy: '',
  FailoverThreshold: 0,
  MasterSlaveModeEnabled: false,
  MasterServerGroupId: '',
  SlaveServerGroupId: '',
  WorkingServerGroupId: '',
}

const CHECKS = {
  HealthCheck: 'on',
  HealthCheckType: 'tcp',
  HealthCheckConnectPort: 0,
  HealthCheckInterval: 2,
  HealthyThreshold: 3,
  UnhealthyThreshold: 3,
  HealthCheckURI: '/',
  HealthCheckDomain: '',
  HealthCheckHttpCode: 'http_2xx',
  HealthCheckMethod: 'head',
}

const ACCESS = { AclStatus: 'off', AclType: '', AclId: '', AclIds: { AclId: [] } }

/** DescribeLoadBalancerTCPListenerAttribute of a fresh listener, every field in the server's order. */
const tcpAttribute = (requestId: string, lb: string, o: Body = {}): Body => ({
  RequestId: requestId,
  LoadBalancerId: lb,
  ListenerPort: 80,
  Status: 'stopped',
  Description: '',
  ServiceManagedMode: '',
  Bandwidth: -1,
  BackendServerPort: 8080,
  VServerGroupId: '',
  Scheduler: 'wrr',
  MaxConnection: 0,
  VpcIds: '',
  ...FAILOVER,
  PersistenceTimeout: 0,
  ConnectionDrain: 'off',
  ConnectionDrainTimeout: 300,
  HealthCheckConnectTimeout: 5,
  ProxyProtocolV2Enabled: false,
  FullNatEnabled: false,
  PortRanges: { PortRange: [] },
  EstablishedTimeout: 900,
  SynProxy: 'disable',
  HealthCheckTcpFastCloseEnabled: false,
  ...CHECKS,
  ...ACCESS,
  Tags: { Tag: [] },
  ...o,
})

test('TCP create and describe through every client: exact body, numbers as numbers, stopped', async (t) => {
  const s = await start(t)
  for (const c of allClients(s)) {
    const lb = await createLb(c)
    const created = await create(c, 'TCP', lb, 80, { BackendServerPort: 8080, Bandwidth: -1 })
    assert.deepEqual(Object.keys(created), ['RequestId'], c.name)
    assert.match(created['RequestId'], REQUEST_ID)
    const body = await describe(c, 'TCP', lb, 80)
    assert.deepEqual(body, tcpAttribute(body['RequestId'], lb), c.name)
    assert.equal(typeof body['ListenerPort'], 'number')

    // Every TCP option given, both spellings of the interval, tags; all read back.
    await create(c, 'TCP', lb, 81, {
      BackendServerPort: 81,
      Bandwidth: 100,
      Scheduler: 'tch',
      PersistenceTimeout: 60,
      EstablishedTimeout: 600,
      ConnectionDrain: 'on',
      ConnectionDrainTimeout: 30,
      HealthCheckSwitch: 'on',
      HealthCheckType: 'http',
      HealthCheckConnectPort: 8081,
      HealthCheckConnectTimeout: 7,
      healthCheckInterval: 9,
      HealthyThreshold: 4,
      UnhealthyThreshold: 5,
      HealthCheckURI: '/healthz?x=1',
      HealthCheckDomain: '$_ip',
      HealthCheckHttpCode: 'http_3xx,http_2xx',
      HealthCheckMethod: 'get',
      AclStatus: 'on',
      AclType: 'black',
      AclId: 'acl-x1',
      Description: 'tcp 81',
      ProxyProtocolV2Enabled: true,
      FullNatEnabled: true,
      HealthCheckTcpFastCloseEnabled: true,
      MaxConnection: 1000,
      'Tag.1.Key': 'env',
      'Tag.1.Value': 'prod',
    })
    const full = await describe(c, 'TCP', lb, 81)
    assert.deepEqual(
      full,
      tcpAttribute(full['RequestId'], lb, {
        ListenerPort: 81,
        Description: 'tcp 81',
        Bandwidth: 100,
        BackendServerPort: 81,
        Scheduler: 'tch',
        MaxConnection: 1000,
        PersistenceTimeout: 60,
        ConnectionDrain: 'on',
        ConnectionDrainTimeout: 30,
        HealthCheckConnectTimeout: 7,
        ProxyProtocolV2Enabled: true,
        FullNatEnabled: true,
        EstablishedTimeout: 600,
        HealthCheckTcpFastCloseEnabled: true,
        HealthCheckType: 'http',
        HealthCheckConnectPort: 8081,
        HealthCheckInterval: 9,
        HealthyThreshold: 4,
        UnhealthyThreshold: 5,
        HealthCheckURI: '/healthz?x=1',
        HealthCheckDomain: '$_ip',
        HealthCheckHttpCode: 'http_3xx,http_2xx',
        HealthCheckMethod: 'get',
        AclStatus: 'on',
        AclType: 'black',
        AclId: 'acl-x1',
        AclIds: { AclId: ['acl-x1'] },
        Tags: { Tag: [{ TagKey: 'env', TagValue: 'prod' }] },
      }),
      c.name,
    )
  }
})

test('UDP and HTTP: exact attribute bodies, lower-case UDP spellings, HTTP defaults', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  await create(c, 'UDP', lb, 53, {
    BackendServerPort: 5353,
    Scheduler: 'qch',
    healthCheckReq: 'ping',
    healthCheckExp: 'pong',
    HealthCheckConnectTimeout: 3,
    QuicVersion: 'Q046',
  })
  const udp = await describe(c, 'UDP', lb, 53)
  assert.deepEqual(udp, {
    RequestId: udp['RequestId'],
    LoadBalancerId: lb,
    ListenerPort: 53,
    Status: 'stopped',
    Description: '',
    ServiceManagedMode: '',
    Bandwidth: -1,
    BackendServerPort: 5353,
    VServerGroupId: '',
    Scheduler: 'qch',
    MaxConnection: 0,
    VpcIds: '',
    ...FAILOVER,
    PersistenceTimeout: 0,
    ConnectionDrain: 'off',
    ConnectionDrainTimeout: 300,
    HealthCheckConnectTimeout: 3,
    ProxyProtocolV2Enabled: false,
    FullNatEnabled: false,
    PortRanges: { PortRange: [] },
    HealthCheckSwitch: 'on',
    ...CHECKS,
    HealthCheckType: 'udp',
    HealthCheckReq: 'ping',
    HealthCheckExp: 'pong',
    QuicVersion: 'Q046',
    ...ACCESS,
    Tags: { Tag: [] },
  })
  // The capitalised spellings work too; Set changes only what it is given.
  await set(c, 'UDP', lb, 53, { HealthCheckReq: 'hello', HealthCheckSwitch: 'off' })
  const changed = await describe(c, 'UDP', lb, 53)
  assert.deepEqual(
    [changed['HealthCheckReq'], changed['HealthCheckExp'], changed['HealthCheckSwitch'], changed['HealthCheck']],
    ['hello', 'pong', 'off', 'off'],
  )

  await create(c, 'HTTP', lb, 8000, { BackendServerPort: 80, HealthCheck: 'on', StickySession: 'off' })
  const http = await describe(c, 'HTTP', lb, 8000)
  assert.deepEqual(http, {
    RequestId: http['RequestId'],
    LoadBalancerId: lb,
    ListenerPort: 8000,
    Status: 'stopped',
    Description: '',
    ServiceManagedMode: '',
    Bandwidth: -1,
    BackendServerPort: 80,
    VServerGroupId: '',
    Scheduler: 'wrr',
    MaxConnection: 0,
    VpcIds: '',
    ...CHECKS,
    HealthCheckType: 'http',
    StickySession: 'off',
    StickySessionType: '',
    CookieTimeout: 0,
    Cookie: '',
    HealthCheckTimeout: 5,
    HealthCheckHttpVersion: 'HTTP1.0',
    IdleTimeout: 15,
    RequestTimeout: 60,
    Gzip: 'on',
    XForwardedFor: 'on',
    XForwardedFor_SLBID: 'off',
    XForwardedFor_SLBIP: 'off',
    XForwardedFor_proto: 'off',
    XForwardedFor_SLBPORT: 'off',
    XForwardedFor_ClientSrcPort: 'off',
    ListenerForward: 'off',
    ForwardPort: 0,
    ForwardCode: 302,
    SecurityStatus: '',
    ...ACCESS,
    Rules: { Rule: [] },
    Tags: { Tag: [] },
  })

  // Stickiness needs its type, and insert needs CookieTimeout / server needs Cookie (contract §2.3).
  await expectError(
    () => set(c, 'HTTP', lb, 8000, { StickySession: 'on' }),
    'MissingParameter',
    missing('StickySessionType'),
  )
  await expectError(
    () => set(c, 'HTTP', lb, 8000, { StickySession: 'on', StickySessionType: 'insert' }),
    'MissingParameter',
    missing('CookieTimeout'),
  )
  await expectError(
    () => set(c, 'HTTP', lb, 8000, { StickySession: 'on', StickySessionType: 'server' }),
    'MissingParameter',
    missing('Cookie'),
  )
  assert.equal((await describe(c, 'HTTP', lb, 8000))['StickySession'], 'off')
  await set(c, 'HTTP', lb, 8000, {
    StickySession: 'on',
    StickySessionType: 'server',
    Cookie: 'SESSIONID',
    XForwardedFor_proto: 'on',
    IdleTimeout: 30,
    HealthCheckTimeout: 9,
    HealthCheckMethod: 'get',
  })
  const sticky = await describe(c, 'HTTP', lb, 8000)
  assert.deepEqual(
    [sticky['StickySession'], sticky['StickySessionType'], sticky['Cookie'], sticky['XForwardedFor_proto']],
    ['on', 'server', 'SESSIONID', 'on'],
  )
  assert.deepEqual([sticky['IdleTimeout'], sticky['HealthCheckTimeout'], sticky['HealthCheckMethod']], [30, 9, 'get'])

  // An HTTP→HTTPS redirect needs no backend port but a ForwardPort.
  await expectError(
    () => create(c, 'HTTP', lb, 8001, { ListenerForward: 'on' }),
    'MissingParameter',
    missing('ForwardPort'),
  )
  await create(c, 'HTTP', lb, 8001, { ListenerForward: 'on', ForwardPort: 443, HealthCheck: 'off' })
  const redirect = await describe(c, 'HTTP', lb, 8001)
  assert.deepEqual(
    [redirect['ListenerForward'], redirect['ForwardPort'], redirect['BackendServerPort']],
    ['on', 443, 0],
  )
  // HealthCheck is required by META; absent it reads as on.
  await create(c, 'HTTP', lb, 8002, { BackendServerPort: 80 })
  assert.equal((await describe(c, 'HTTP', lb, 8002))['HealthCheck'], 'on')
})

test('Terraform alicloud_slb_listener: GET create, poll, start, poll, set, delete (contract §7.4)', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  const group = await createGroup(c, lb)
  // Create: the common args plus the lower-case interval of the Go SDK's create struct.
  await create(c, 'TCP', lb, 10022, { BackendServerPort: 10022, Bandwidth: 10, Scheduler: 'wrr', Description: 'tf' })
  assert.equal((await describe(c, 'TCP', lb, 10022))['Status'], 'stopped')
  await byPort(c, 'StartLoadBalancerListener', lb, 10022, 'tcp')
  assert.equal((await describe(c, 'TCP', lb, 10022))['Status'], 'running')

  // Update reuses one request object, so a TCP Set carries HTTP-only parameters (TF resourceAliyunSlbListenerUpdate).
  await set(c, 'TCP', lb, 10022, {
    BackendServerPort: 10022,
    Bandwidth: 10,
    VServerGroup: 'on',
    VServerGroupId: group,
    StickySession: 'off',
    HealthCheck: 'on',
    RequestTimeout: 60,
    IdleTimeout: 15,
    Gzip: 'on',
    HealthCheckURI: '/console',
    HealthyThreshold: 8,
    UnhealthyThreshold: 8,
    HealthCheckTimeout: 8,
    HealthCheckInterval: 5,
    HealthCheckHttpCode: 'http_2xx',
    HealthCheckConnectPort: 20,
    PersistenceTimeout: 3600,
    HealthCheckType: 'tcp',
    EstablishedTimeout: 600,
  })
  const read = await describe(c, 'TCP', lb, 10022)
  assert.equal(typeof read['ListenerPort'], 'number')
  assert.ok(read['ListenerPort'] > 0)
  assert.deepEqual(
    [read['VServerGroupId'], read['BackendServerPort'], read['HealthCheckConnectTimeout'], read['HealthCheckInterval']],
    [group, 10022, 8, 5],
  )
  assert.deepEqual([read['PersistenceTimeout'], read['EstablishedTimeout'], read['Status']], [3600, 600, 'running'])
  // Terraform derives VServerGroup=off from an emptied server_group_id: back to the default group.
  await set(c, 'TCP', lb, 10022, { VServerGroup: 'off' })
  const back = await describe(c, 'TCP', lb, 10022)
  assert.deepEqual([back['VServerGroupId'], back['BackendServerPort']], ['', 10022])

  await byPort(c, 'DeleteLoadBalancerListener', lb, 10022, 'tcp')
  await expectError(() => describe(c, 'TCP', lb, 10022), 'InvalidParameter', GONE)
  assert.deepEqual(await keys(c, lb), [])
  // Once the load balancer is gone, the listener read reports the load balancer.
  await c.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb })
  await expectError(
    () => describe(c, 'TCP', lb, 10022),
    'InvalidLoadBalancerId.NotFound',
    'The specified LoadBalancerId does not exist.',
    404,
  )
})

test('CCM: create with a group, start at once, page until NextToken is empty (contract §7.5)', async (t) => {
  const s = await start(t)
  for (const c of [popCore(s, 'GET'), openApi(s, 'v3')]) {
    const lb = await createLb(c)
    const other = await createLb(c)
    const group = await createGroup(c, lb)
    const description = 'k8s/10080/nginx-ingress/kube-system/c1f2e3a4b5 ü'
    await create(c, 'TCP', lb, 10080, { VServerGroupId: group, Description: description, Bandwidth: -1 })
    await byPort(c, 'StartLoadBalancerListener', lb, 10080)
    for (const port of [10443, 18080]) {
      await create(c, 'TCP', lb, port, { VServerGroupId: group, Description: `k8s/${port}/nginx/ns/c1` })
      await byPort(c, 'StartLoadBalancerListener', lb, port)
    }
    await create(c, 'UDP', lb, 53, { VServerGroupId: group, Description: 'k8s/53/dns/ns/c1' })
    await create(c, 'HTTP', lb, 81, { VServerGroupId: group, Description: 'k8s/81/web/ns/c1' })
    await create(c, 'TCP', other, 10080, { BackendServerPort: 10080 })

    // One page of 50 holds them all.
    const all = await list(c, { 'LoadBalancerId.1': lb, MaxResults: 50 })
    assert.equal(all['NextToken'], '')
    assert.equal(all['TotalCount'], 5)
    assert.equal(all['MaxResults'], 50)
    assert.ok(Array.isArray(all['Listeners']), 'Listeners is a bare array')
    const first = all['Listeners'][0]
    assert.deepEqual(first, {
      LoadBalancerId: lb,
      ListenerPort: 53,
      ListenerProtocol: 'udp',
      Status: 'stopped',
      Bandwidth: -1,
      BackendServerPort: 0,
      Scheduler: 'wrr',
      VServerGroupId: group,
      Description: 'k8s/53/dns/ns/c1',
      AclId: '',
      AclStatus: 'off',
      AclType: '',
      ServiceManagedMode: '',
      AclIds: [],
      Tags: [],
      UDPListenerConfig: {
        ...CHECKS,
        HealthCheckType: 'udp',
        HealthCheckSwitch: 'on',
        HealthCheckConnectTimeout: 5,
        PersistenceTimeout: 0,
        ConnectionDrain: 'off',
        ConnectionDrainTimeout: 300,
        ProxyProtocolV2Enabled: 'false',
        FullNatEnabled: 'false',
        MasterSlaveServerGroupId: '',
        MasterSlaveModeEnabled: false,
        MasterServerGroupId: '',
        SlaveServerGroupId: '',
        FailoverThreshold: 0,
        FailoverStrategy: '',
        MaxConnection: 0,
        PortRanges: [],
        HealthCheckReq: '',
        HealthCheckExp: '',
        QuicVersion: '',
      },
    })
    const byKey = new Map((all['Listeners'] as Body[]).map((l) => [`${l['ListenerProtocol']}:${l['ListenerPort']}`, l]))
    assert.deepEqual([...byKey.keys()], ['udp:53', 'http:81', 'tcp:10080', 'tcp:10443', 'tcp:18080'])
    assert.equal(byKey.get('tcp:10080')!['Description'], description)
    assert.equal(byKey.get('tcp:10080')!['Status'], 'running')
    assert.equal(byKey.get('tcp:10080')!['TCPListenerConfig']['ProxyProtocolV2Enabled'], 'false')
    assert.equal(byKey.get('tcp:10080')!['TCPListenerConfig']['EstablishedTimeout'], 900)
    assert.equal(byKey.get('tcp:10080')!['UDPListenerConfig'], undefined)
    assert.equal(byKey.get('http:81')!['HTTPListenerConfig']['Gzip'], 'on')

    // The CCM's loop: follow NextToken until it is ''.
    const seen: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const page = await list(c, { 'LoadBalancerId.1': lb, MaxResults: 2, ...(token ? { NextToken: token } : {}) })
      assert.equal(page['TotalCount'], 5)
      seen.push(...(page['Listeners'] as Body[]).map((l) => `${l['ListenerProtocol']}:${l['ListenerPort']}`))
      token = page['NextToken']
      pages += 1
    } while (token !== '')
    assert.equal(pages, 3)
    assert.deepEqual(seen, [...byKey.keys()])

    // Filters: protocol, port, Description (exact), several load balancers, none named (the region).
    assert.deepEqual(await countOf(c, { 'LoadBalancerId.1': lb, ListenerProtocol: 'tcp' }), 3)
    assert.deepEqual(await countOf(c, { 'LoadBalancerId.1': lb, ListenerPort: 10080 }), 1)
    assert.deepEqual(await countOf(c, { 'LoadBalancerId.1': lb, Description: description }), 1)
    assert.deepEqual(await countOf(c, { 'LoadBalancerId.1': lb, 'LoadBalancerId.2': other }), 6)
    assert.ok((await countOf(c, {})) >= 6)
    assert.deepEqual(await countOf(c, { 'LoadBalancerId.1': 'lb-none' }), 0)

    // The CCM starts again whatever it reads as stopped; starting a running listener is harmless.
    await byPort(c, 'StopLoadBalancerListener', lb, 10080)
    assert.equal((await describe(c, 'TCP', lb, 10080))['Status'], 'stopped')
    await byPort(c, 'StartLoadBalancerListener', lb, 10080)
    await byPort(c, 'StartLoadBalancerListener', lb, 10080)
    assert.equal((await describe(c, 'TCP', lb, 10080))['Status'], 'running')
    const ccmSet = { VServerGroup: 'on', VServerGroupId: group, Description: description, Scheduler: 'rr' }
    await set(c, 'TCP', lb, 10080, ccmSet)
    assert.equal((await describe(c, 'TCP', lb, 10080))['Scheduler'], 'rr')
    await byPort(c, 'DeleteLoadBalancerListener', lb, 18080)
    assert.equal(await countOf(c, { 'LoadBalancerId.1': lb }), 4)
  }
})

const countOf = async (c: RpcCaller, params: Record<string, unknown>): Promise<number> =>
  (await list(c, { MaxResults: 100, ...params }))['TotalCount']

test('ports: TCP and HTTP clash, UDP does not; ListenerProtocol picks among protocols on a port', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'POST')
  const lb = await createLb(c)
  await create(c, 'TCP', lb, 10080, { BackendServerPort: 10080 })
  await expectError(() => create(c, 'HTTP', lb, 10080, { BackendServerPort: 10080 }), 'ListenerAlreadyExists', EXISTS)
  await expectError(() => create(c, 'TCP', lb, 10080, { BackendServerPort: 10081 }), 'ListenerAlreadyExists', EXISTS)
  assert.deepEqual(await keys(c, lb), ['tcp:10080:stopped'])
  await create(c, 'UDP', lb, 10080, { BackendServerPort: 10080 })
  await expectError(() => create(c, 'UDP', lb, 10080, { BackendServerPort: 10080 }), 'ListenerAlreadyExists', EXISTS)
  assert.deepEqual(await keys(c, lb), ['tcp:10080:stopped', 'udp:10080:stopped'])

  // Two protocols on port 10080: each action must say which.
  const ambiguous =
    'The specified ListenerPort is used by listeners of several protocols; ListenerProtocol is required.'
  for (const action of ['StartLoadBalancerListener', 'StopLoadBalancerListener', 'DeleteLoadBalancerListener']) {
    await expectError(() => byPort(c, action, lb, 10080), 'InvalidParameter', ambiguous)
  }
  assert.deepEqual(await keys(c, lb), ['tcp:10080:stopped', 'udp:10080:stopped'])
  await byPort(c, 'StartLoadBalancerListener', lb, 10080, 'udp')
  assert.deepEqual(await keys(c, lb), ['tcp:10080:stopped', 'udp:10080:running'])
  const startHttp = () => byPort(c, 'StartLoadBalancerListener', lb, 10080, 'http')
  await expectError(startHttp, 'ListenerNotFound', NO_LISTENER, 404)
  for (const action of ['StartLoadBalancerListener', 'StopLoadBalancerListener', 'DeleteLoadBalancerListener']) {
    await expectError(() => byPort(c, action, lb, 10081), 'ListenerNotFound', NO_LISTENER, 404)
  }
  await expectError(
    () => byPort(c, 'StartLoadBalancerListener', 'lb-missing', 10080),
    'InvalidLoadBalancerId.NotFound',
    'The specified LoadBalancerId does not exist.',
    404,
  )
  // A Set or Describe of the wrong protocol finds nothing.
  await expectError(() => set(c, 'HTTP', lb, 10080, { Bandwidth: 5 }), 'InvalidParameter', GONE)
  await expectError(() => describe(c, 'HTTP', lb, 10080), 'InvalidParameter', GONE)
  assert.equal((await describe(c, 'TCP', lb, 10080))['Bandwidth'], -1)
  await byPort(c, 'DeleteLoadBalancerListener', lb, 10080, 'tcp')
  // With one protocol left the port alone is enough.
  await byPort(c, 'StopLoadBalancerListener', lb, 10080)
  assert.deepEqual(await keys(c, lb), ['udp:10080:stopped'])
  // The freed TCP transport takes an HTTP listener now.
  await create(c, 'HTTP', lb, 10080, { BackendServerPort: 10080 })
  assert.deepEqual(await keys(c, lb), ['http:10080:stopped', 'udp:10080:stopped'])
})

test('parameter rules: ranges, schedulers per protocol, group rules, each refusal leaves nothing behind', async (t) => {
  const s = await start(t)
  const c = openApi(s, 'v3')
  const lb = await createLb(c)
  const otherLb = await createLb(c)
  const otherGroup = await createGroup(c, otherLb)
  const group = await createGroup(c, lb)
  const refuse = async (
    proto: 'TCP' | 'UDP' | 'HTTP',
    params: Record<string, unknown>,
    code: string,
    message: string,
    status = 400,
  ) => {
    await expectError(() => create(c, proto, lb, 90, params), code, message, status)
    assert.deepEqual(await keys(c, lb), [], `${code} left nothing`)
  }
  const port = 'The specified port is not valid.'
  const bp = { BackendServerPort: 80 }
  await expectError(() => create(c, 'TCP', lb, 0, bp), 'InvalidParameter', port)
  await expectError(() => create(c, 'TCP', lb, 65536, bp), 'InvalidParameter', port)
  await expectError(() => create(c, 'TCP', lb, 'x' as unknown as number, bp), 'InvalidParameter', port)
  assert.deepEqual(await keys(c, lb), [])
  for (const value of [0, -2, 5121, 'lots']) {
    await refuse('TCP', { BackendServerPort: 80, Bandwidth: value }, 'InvalidParameter', BANDWIDTH)
  }
  await refuse('TCP', { BackendServerPort: 70000 }, 'InvalidParameter', invalid('BackendServerPort'))
  await refuse('TCP', { ...bp, HealthCheckInterval: 51 }, 'InvalidParameter', invalid('HealthCheckInterval'))
  // The error names the spelling the client sent.
  await refuse('TCP', { ...bp, healthCheckInterval: 0 }, 'InvalidParameter', invalid('healthCheckInterval'))
  await refuse('TCP', { BackendServerPort: 80, HealthyThreshold: 1 }, 'InvalidParameter', invalid('HealthyThreshold'))
  await refuse('TCP', { ...bp, EstablishedTimeout: 5 }, 'InvalidParameter', invalid('EstablishedTimeout'))
  await refuse('TCP', { ...bp, PersistenceTimeout: 3601 }, 'InvalidParameter', invalid('PersistenceTimeout'))
  await refuse('TCP', { ...bp, HealthCheckHttpCode: 'http_6xx' }, 'InvalidParameter', invalid('HealthCheckHttpCode'))
  await refuse('TCP', { ...bp, HealthCheckURI: 'no-slash' }, 'InvalidParameter', invalid('HealthCheckURI'))
  await refuse('TCP', { ...bp, Description: 'd'.repeat(257) }, 'InvalidParameter', invalid('Description'))
  await refuse('HTTP', { BackendServerPort: 80, IdleTimeout: 61 }, 'InvalidParameter', invalid('IdleTimeout'))
  await refuse('HTTP', { BackendServerPort: 80, RequestTimeout: 181 }, 'InvalidParameter', invalid('RequestTimeout'))
  await refuse('HTTP', { BackendServerPort: 80, CookieTimeout: 86401 }, 'InvalidParameter', invalid('CookieTimeout'))
  await refuse(
    'UDP',
    { BackendServerPort: 80, healthCheckReq: 'not alnum!' },
    'InvalidParamLength.HealthCheckReq',
    'The length of the parameter HealthCheckReq is invalid.',
  )
  await refuse(
    'UDP',
    { BackendServerPort: 80, HealthCheckExp: 'x'.repeat(65) },
    'InvalidParamLength.HealthCheckExp',
    'The length of the parameter HealthCheckExp is invalid.',
  )
  // Schedulers per protocol (domain/schedulers.ts): qch is UDP's, sch/tch are not HTTP's.
  await refuse('TCP', { BackendServerPort: 80, Scheduler: 'qch' }, 'InvalidParameter', invalid('Scheduler'))
  await refuse('HTTP', { BackendServerPort: 80, Scheduler: 'sch' }, 'InvalidParameter', invalid('Scheduler'))
  await refuse('TCP', { BackendServerPort: 80, Scheduler: 'fastest' }, 'InvalidParameter', invalid('Scheduler'))
  // The backend target.
  await refuse('TCP', {}, 'MissingParameter', missing('BackendServerPort'))
  await refuse('TCP', { VServerGroupId: otherGroup }, 'InvalidParameter', NO_GROUP, 404)
  await refuse('TCP', { VServerGroupId: 'rsp-missing' }, 'InvalidParameter', NO_GROUP, 404)
  await refuse(
    'TCP',
    { VServerGroupId: group, MasterSlaveServerGroupId: 'rsp-ms' },
    MISMATCH,
    'The parameters VServerGroupId or MasterSlaveServerGroupId miss match.',
  )
  const noMasterSlave = 'The specified MasterSlaveGroupId does not exist.'
  await refuse('UDP', { MasterSlaveServerGroupId: 'rsp-ms' }, 'InvalidParameter', noMasterSlave, 404)
  await refuse('TCP', { ...bp, 'Tag.1.Key': 'aliyun:x' }, 'InvalidTagKey', 'The specified tag key is invalid.')
  await expectError(
    () => create(c, 'TCP', 'lb-missing', 90, { BackendServerPort: 80 }),
    'InvalidLoadBalancerId.NotFound',
    'The specified LoadBalancerId does not exist.',
    404,
  )

  // Accepted: sch on TCP, qch on UDP, Bandwidth bounds, HealthCheckConnectPort -520 (the backend port).
  await create(c, 'TCP', lb, 1, { ...bp, Scheduler: 'sch', Bandwidth: 5120, HealthCheckConnectPort: -520 })
  await create(c, 'UDP', lb, 65535, { BackendServerPort: 65535, Scheduler: 'qch', Bandwidth: 1 })
  assert.deepEqual(await keys(c, lb), ['tcp:1:stopped', 'udp:65535:stopped'])
  assert.equal((await describe(c, 'TCP', lb, 1))['HealthCheckConnectPort'], 0)

  // Other parameters of the listener actions.
  const protocol = 'The specified protocol is not valid.'
  await expectError(() => byPort(c, 'StartLoadBalancerListener', lb, 1, 'sctp'), 'InvalidParameter', protocol)
  await expectError(() => list(c, { MaxResults: 101 }), 'InvalidParameter', invalid('MaxResults'))
  await expectError(() => list(c, { NextToken: 'garbage' }), 'InvalidParameter', invalid('NextToken'))
  const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`LoadBalancerId.${i + 1}`, lb]))
  await expectError(() => list(c, eleven), 'InvalidParameter', invalid('LoadBalancerId'))
  assert.deepEqual(await keys(c, lb), ['tcp:1:stopped', 'udp:65535:stopped'])
})

test('Set: VServerGroup on/off, VServerGroupId alone, group kinds, group of another load balancer', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  const group = await createGroup(c, lb)
  const second = await createGroup(c, lb)
  const foreign = await createGroup(c, await createLb(c))
  await create(c, 'TCP', lb, 80, { VServerGroupId: group })
  const target = async () => {
    const d = await describe(c, 'TCP', lb, 80)
    return [d['VServerGroupId'], d['BackendServerPort']]
  }
  // Back to the default group needs a port: none was ever given.
  const off = { VServerGroup: 'off' }
  await expectError(() => set(c, 'TCP', lb, 80, off), 'MissingParameter', missing('BackendServerPort'))
  assert.deepEqual(await target(), [group, 0])
  await expectError(
    () => set(c, 'TCP', lb, 80, { VServerGroup: 'on', VServerGroupId: foreign }),
    'InvalidParameter',
    NO_GROUP,
    404,
  )
  await expectError(
    () => set(c, 'TCP', lb, 80, { VServerGroup: 'on', MasterSlaveServerGroup: 'on', VServerGroupId: second }),
    MISMATCH,
    'The parameters VServerGroupId or MasterSlaveServerGroupId miss match.',
  )
  await expectError(
    () => set(c, 'TCP', lb, 80, { MasterSlaveServerGroup: 'on' }),
    'MissingParameter',
    missing('MasterSlaveServerGroupId'),
  )
  assert.deepEqual(await target(), [group, 0])
  // VServerGroupId without VServerGroup=on does not switch (contract §2.3, aliyungo#147).
  await set(c, 'TCP', lb, 80, { VServerGroupId: second })
  assert.deepEqual(await target(), [group, 0])
  await set(c, 'TCP', lb, 80, { VServerGroup: 'on', VServerGroupId: second })
  assert.deepEqual(await target(), [second, 0])
  await set(c, 'TCP', lb, 80, { VServerGroup: 'off', BackendServerPort: 8080 })
  assert.deepEqual(await target(), ['', 8080])
  // VServerGroup=on without an ID when there is no current group.
  await expectError(() => set(c, 'TCP', lb, 80, { VServerGroup: 'on' }), 'MissingParameter', missing('VServerGroupId'))
  await set(c, 'TCP', lb, 80, { VServerGroup: 'on', VServerGroupId: group })
  // The stored port stays, so off needs no new one.
  await set(c, 'TCP', lb, 80, { VServerGroup: 'off' })
  assert.deepEqual(await target(), ['', 8080])
  await set(c, 'TCP', lb, 80, { MasterSlaveServerGroup: 'off', Bandwidth: 20, Description: 'x' })
  const d = await describe(c, 'TCP', lb, 80)
  assert.deepEqual([d['Bandwidth'], d['Description'], d['MasterSlaveServerGroupId']], [20, 'x', ''])
  await expectError(() => set(c, 'TCP', lb, 81, { Bandwidth: 5 }), 'InvalidParameter', GONE)
  await expectError(() => set(c, 'TCP', lb, 80, { Scheduler: 'qch' }), 'InvalidParameter', invalid('Scheduler'))
  assert.equal((await describe(c, 'TCP', lb, 80))['Scheduler'], 'wrr')
})

test('limits: 50 listeners by default, the configured quota, bandwidth of a pay-by-bandwidth instance', async (t) => {
  const s = await start(t, { config: { quotas: { ...DEFAULTS.quotas, listenersPerLoadBalancer: 3 } } })
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  for (const port of [1, 2, 3]) await create(c, 'UDP', lb, port, { BackendServerPort: port })
  await expectError(
    () => create(c, 'TCP', lb, 4, { BackendServerPort: 4 }),
    'ListenerNumberOverLimit',
    'The maximum number of listeners is exceeded.',
  )
  assert.deepEqual(await keys(c, lb), ['udp:1:stopped', 'udp:2:stopped', 'udp:3:stopped'])
  await byPort(c, 'DeleteLoadBalancerListener', lb, 3)
  await create(c, 'TCP', lb, 4, { BackendServerPort: 4 })

  // Pay by bandwidth: the listeners' caps may not add up to more than the instance's.
  const paid = await createLb(c, { InternetChargeType: 'paybybandwidth', Bandwidth: 10 })
  await create(c, 'TCP', paid, 80, { BackendServerPort: 80, Bandwidth: 6 })
  await expectError(
    () => create(c, 'TCP', paid, 81, { BackendServerPort: 80, Bandwidth: 5 }),
    'InvalidParameter',
    BANDWIDTH,
  )
  await create(c, 'TCP', paid, 81, { BackendServerPort: 80, Bandwidth: 4 })
  await expectError(() => set(c, 'TCP', paid, 80, { Bandwidth: 7 }), 'InvalidParameter', BANDWIDTH)
  assert.equal((await describe(c, 'TCP', paid, 80))['Bandwidth'], 6)
  await set(c, 'TCP', paid, 80, { Bandwidth: 5 })
  assert.deepEqual(await keys(c, paid), ['tcp:80:stopped', 'tcp:81:stopped'])
})

test('the default quota is 50 listeners per load balancer', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  for (let port = 1; port <= 50; port += 1) await create(c, 'TCP', lb, port, { BackendServerPort: 80 })
  await expectError(
    () => create(c, 'UDP', lb, 51, { BackendServerPort: 80 }),
    'ListenerNumberOverLimit',
    'The maximum number of listeners is exceeded.',
  )
  assert.equal(await countOf(c, { 'LoadBalancerId.1': lb }), 50)
})

test('start and delete by load balancer status; tags of a listener live and die with it', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  await create(c, 'TCP', lb, 80, { BackendServerPort: 80, 'Tag.1.Key': 'team', 'Tag.1.Value': 'a' })
  const resource = `${lb}_tcp_80`
  const ofListener = { RegionId: REGION, ResourceType: 'listener' }
  const tagsOf = async (id: string) =>
    (await c.call('ListTagResources', { ...ofListener, 'ResourceId.1': id }))['TagResources']['TagResource']
  const row = { ResourceType: 'listener', ResourceId: resource, TagKey: 'team', TagValue: 'a' }
  assert.deepEqual(await tagsOf(resource), [row])
  await c.call('TagResources', { ...ofListener, 'ResourceId.1': resource, 'Tag.1.Key': 'x', 'Tag.1.Value': 'y' })
  assert.deepEqual(
    (await describe(c, 'TCP', lb, 80))['Tags'],
    { Tag: [{ TagKey: 'team', TagValue: 'a' }, { TagKey: 'x', TagValue: 'y' }] },
  )
  assert.deepEqual(((await list(c, { 'LoadBalancerId.1': lb, 'Tag.1.Key': 'x' }))['Listeners'] as Body[]).length, 1)
  assert.deepEqual(((await list(c, { 'LoadBalancerId.1': lb, 'Tag.1.Key': 'nope' }))['Listeners'] as Body[]).length, 0)
  assert.deepEqual((await list(c, { 'LoadBalancerId.1': lb }))['Listeners'][0]['Tags'], [
    { TagKey: 'team', TagValue: 'a' },
    { TagKey: 'x', TagValue: 'y' },
  ])
  await expectError(
    () => c.call('TagResources', { ...ofListener, 'ResourceId.1': `${lb}_udp_80`, 'Tag.1.Key': 'x' }),
    'InvalidResourceId.NotFound',
    'The specified resource does not exist.',
    404,
  )

  // An inactive load balancer still starts its listeners (they just do not forward); a locked one refuses.
  await c.call('SetLoadBalancerStatus', { RegionId: REGION, LoadBalancerId: lb, LoadBalancerStatus: 'inactive' })
  await byPort(c, 'StartLoadBalancerListener', lb, 80)
  assert.deepEqual(await keys(c, lb), ['tcp:80:running'])
  await byPort(c, 'StopLoadBalancerListener', lb, 80)
  await lock(s, lb)
  const locked = 'Locked for any Business Reason.'
  await expectError(() => byPort(c, 'StartLoadBalancerListener', lb, 80), 'ActionNotAllowed', locked)
  assert.deepEqual(await keys(c, lb), ['tcp:80:stopped'])

  // Delete works from stopped and from running, and takes the tags along.
  await byPort(c, 'DeleteLoadBalancerListener', lb, 80)
  assert.deepEqual(await tagsOf(resource), [])
  const lb2 = await createLb(c)
  await create(c, 'UDP', lb2, 10053, { BackendServerPort: 10053 })
  await byPort(c, 'StartLoadBalancerListener', lb2, 10053)
  await byPort(c, 'DeleteLoadBalancerListener', lb2, 10053, 'udp')
  assert.deepEqual(await keys(c, lb2), [])
  await expectError(() => describe(c, 'UDP', lb2, 10053), 'InvalidParameter', GONE)
})

/** No API locks a load balancer; the store does, as an operator would. */
const lock = async (s: TestServer, lb: string): Promise<void> => {
  const key = await s.server.store.findAccessKey(s.accessKeyId)
  await s.server.store.write({ accountId: key!.accountId, regionId: REGION }, (repos) =>
    repos.loadBalancers.update(lb, { status: 'locked' }),
  )
}

test('DescribeHealthStatus via clients: a row per listener and member; stopped means unavailable', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  const [a, b] = [await runInstance(c, '127.2.0.10'), await runInstance(c, '127.2.0.11')]
  const eni = (await c.call('CreateNetworkInterface', { RegionId: REGION, PrimaryIpAddress: '127.2.0.20' }, ECS))[
    'NetworkInterfaceId'
  ]
  await c.call('AddBackendServers', {
    RegionId: REGION,
    LoadBalancerId: lb,
    BackendServers: JSON.stringify([{ ServerId: a }, { ServerId: eni, Type: 'eni' }]),
  })
  const group = await createGroup(c, lb)
  await c.call('AddVServerGroupBackendServers', {
    RegionId: REGION,
    VServerGroupId: group,
    BackendServers: JSON.stringify([{ ServerId: b, Port: 9000 }]),
  })
  await create(c, 'TCP', lb, 80, { BackendServerPort: 8080 })
  await create(c, 'HTTP', lb, 81, { VServerGroupId: group })
  const health = async (params: Record<string, unknown> = {}) =>
    (await c.call('DescribeHealthStatus', { RegionId: REGION, LoadBalancerId: lb, ...params }))['BackendServers'][
      'BackendServer'
    ]
  const row = (listenerPort: number, port: number, protocol: string, serverId: string, ip: string, type = 'ecs') => ({
    ListenerPort: listenerPort,
    Port: port,
    Protocol: protocol,
    ServerId: serverId,
    ServerIp: ip,
    ServerHealthStatus: 'unavailable',
    EniHost: '',
    Type: type,
  })
  assert.deepEqual(await health(), [
    row(80, 8080, 'tcp', a, '127.2.0.10'),
    row(80, 8080, 'tcp', eni, '127.2.0.20', 'eni'),
    row(81, 9000, 'http', b, '127.2.0.11'),
  ])
  assert.deepEqual(await health({ ListenerPort: 81 }), [row(81, 9000, 'http', b, '127.2.0.11')])
  assert.deepEqual(await health({ ListenerProtocol: 'tcp' }), [
    row(80, 8080, 'tcp', a, '127.2.0.10'),
    row(80, 8080, 'tcp', eni, '127.2.0.20', 'eni'),
  ])
  await expectError(() => health({ ListenerPort: 82 }), 'ListenerNotFound', NO_LISTENER, 404)
  await expectError(
    () => c.call('DescribeHealthStatus', { RegionId: REGION, LoadBalancerId: 'lb-missing' }),
    'InvalidLoadBalancerId.NotFound',
    'The specified LoadBalancerId does not exist.',
    404,
  )
})

test('DescribeHealthStatus asks the data plane by listener and member key; else unavailable', async (t) => {
  // The data plane is injected, so this one runs the app in process with signed requests.
  const store = await openTestStore(t)
  await store.ensureAccessKey({ accessKeyId: KEY_ID, secret: SECRET, accountId: ACCOUNT, status: 'Active' })
  const verdicts = new Map<string, 'normal' | 'abnormal'>()
  const asked: string[] = []
  const app = createApp({
    config: testConfig(),
    store,
    routes: routes(),
    logger: pino({ level: 'silent' }),
    now: Date.now,
    dataplane: {
      healthStatus: (listener, backend) => {
        asked.push(`${listener} ${backend}`)
        return verdicts.get(`${listener} ${backend}`) ?? 'unavailable'
      },
    },
  })
  const call = async (action: string, params: Record<string, string>) => {
    const res = await app.handle(signedV1(SLB_ACTION(action, { RegionId: REGION, ...params })))
    const body = json(res.body)
    assert.equal(res.status, 200, JSON.stringify(body))
    return body
  }
  const lb = (await call('CreateLoadBalancer', {}))['LoadBalancerId'] as string
  const ids = (await call('RunInstances', { Version: '2014-05-26', Amount: '2', PrivateIpAddress: '127.2.0.30' }))[
    'InstanceIdSets'
  ]['InstanceIdSet'] as string[]
  const [a, b] = ids as [string, string]
  const group = (await call('CreateVServerGroup', { LoadBalancerId: lb }))['VServerGroupId'] as string
  await call('AddVServerGroupBackendServers', {
    VServerGroupId: group,
    BackendServers: JSON.stringify([
      { ServerId: a, Port: 81 },
      { ServerId: b, Port: 82 },
    ]),
  })
  await call('CreateLoadBalancerTCPListener', { LoadBalancerId: lb, ListenerPort: '80', VServerGroupId: group })
  verdicts.set(`${lb}/tcp/80 ${a}||81`, 'normal')
  verdicts.set(`${lb}/tcp/80 ${b}||82`, 'abnormal')
  const statuses = async () =>
    ((await call('DescribeHealthStatus', { LoadBalancerId: lb }))['BackendServers']['BackendServer'] as Body[]).map(
      (r) => `${r['ServerId']}:${r['Port']}:${r['ServerIp']}:${r['ServerHealthStatus']}`,
    )
  // Stopped: not asked, unavailable.
  assert.deepEqual(await statuses(), [`${a}:81:127.2.0.30:unavailable`, `${b}:82:127.2.0.31:unavailable`])
  assert.deepEqual(asked, [])
  await call('StartLoadBalancerListener', { LoadBalancerId: lb, ListenerPort: '80' })
  assert.deepEqual(await statuses(), [`${a}:81:127.2.0.30:normal`, `${b}:82:127.2.0.31:abnormal`])
  assert.deepEqual(asked, [`${lb}/tcp/80 ${a}||81`, `${lb}/tcp/80 ${b}||82`])
  // Health check off: the check never completes.
  const tcp80 = { LoadBalancerId: lb, ListenerPort: '80' }
  await call('SetLoadBalancerTCPListenerAttribute', { ...tcp80, HealthCheckSwitch: 'off' })
  assert.deepEqual(await statuses(), [`${a}:81:127.2.0.30:unavailable`, `${b}:82:127.2.0.31:unavailable`])
  await call('SetLoadBalancerTCPListenerAttribute', { ...tcp80, HealthCheckSwitch: 'on' })
  // An inactive load balancer forwards nothing and checks nothing.
  await call('SetLoadBalancerStatus', { LoadBalancerId: lb, LoadBalancerStatus: 'inactive' })
  assert.deepEqual(await statuses(), [`${a}:81:127.2.0.30:unavailable`, `${b}:82:127.2.0.31:unavailable`])
})


test('XML: the bare Listeners array is one <Listeners> element per listener; a missing listener', async (t) => {
  const s = await start(t)
  const c = popCore(s, 'GET')
  const lb = await createLb(c)
  await create(c, 'TCP', lb, 80, { BackendServerPort: 80, Description: 'a&b' })
  await create(c, 'UDP', lb, 80, { BackendServerPort: 80 })
  const parser = new XMLParser({ parseTagValue: false })
  const ok = await signedXmlGet(s, { Action: 'DescribeLoadBalancerListeners', 'LoadBalancerId.1': lb })
  assert.equal(ok.status, 200)
  const text = await ok.text()
  assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?><DescribeLoadBalancerListenersResponse>'))
  assert.ok(text.includes('<Description>a&amp;b</Description>'))
  const body = parser.parse(text)['DescribeLoadBalancerListenersResponse']
  assert.equal(body['TotalCount'], '2')
  assert.equal(body['NextToken'], '')
  assert.deepEqual(
    (body['Listeners'] as Body[]).map((l) => [l['ListenerProtocol'], l['ListenerPort'], l['Description']]),
    [
      ['tcp', '80', 'a&b'],
      ['udp', '80', ''],
    ],
  )
  assert.equal(body['Listeners'][0]['TCPListenerConfig']['ProxyProtocolV2Enabled'], 'false')

  const action = 'DescribeLoadBalancerHTTPListenerAttribute'
  const gone = await signedXmlGet(s, { Action: action, LoadBalancerId: lb, ListenerPort: '80' })
  assert.equal(gone.status, 400)
  const error = parser.parse(await gone.text())['Error']
  assert.equal(error['Code'], 'InvalidParameter')
  assert.equal(error['Message'], GONE)
})
