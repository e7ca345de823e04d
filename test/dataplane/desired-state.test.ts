/** The pure rows → snapshot function: membership, addresses, units and defaults. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Listener } from '../../src/domain/listener.js'
import type { BackendMember } from '../../src/domain/model.js'
import { buildSnapshot } from '../../src/dataplane/desired-state.js'
import type { DataplaneRows } from '../../src/store/repository.js'

const listener = (over: Partial<Listener>): Listener => ({
  loadBalancerId: 'lb-1',
  regionId: 'cn-hangzhou',
  protocol: 'tcp',
  port: 80,
  status: 'running',
  backendServerPort: 8080,
  vServerGroupId: '',
  scheduler: 'wrr',
  bandwidth: -1,
  description: '',
  attributes: {},
  createdAt: 0,
  ...over,
})

const member = (over: Partial<BackendMember>): BackendMember => ({
  groupId: 'lb-1',
  loadBalancerId: 'lb-1',
  serverId: 'i-a',
  serverIp: '',
  port: 0,
  type: 'ecs',
  weight: 100,
  description: '',
  ...over,
})

test('default-group members take the listener BackendServerPort; VServer members their own', () => {
  const rows: DataplaneRows = {
    generation: 7,
    listeners: [
      { listener: listener({}), address: '127.1.0.1' },
      { listener: listener({ port: 81, vServerGroupId: 'rsp-1', backendServerPort: 0 }), address: '127.1.0.1' },
      { listener: listener({ port: 443, protocol: 'https' }), address: '127.1.0.1' },
    ],
    members: new Map([
      ['lb-1', [member({ weight: 0 }), member({ serverId: 'i-gone' })]],
      ['rsp-1', [member({ groupId: 'rsp-1', port: 9000 }), member({ groupId: 'rsp-1', serverId: 'eni-1', type: 'eni', serverIp: '127.2.0.9', port: 9001 })]],
    ]),
    servers: new Map([
      ['i-a', { address: '127.2.0.1', running: false }],
      ['eni-1', { address: '127.2.0.9', running: true }],
    ]),
  }
  const snapshot = buildSnapshot(rows)
  assert.equal(snapshot.generation, 7)
  // HTTPS needs certificates: not served.
  assert.deepEqual(snapshot.listeners.map((l) => l.key), ['lb-1/tcp/80', 'lb-1/tcp/81'])
  const [def, vsg] = snapshot.listeners
  // A member whose server no longer exists is left out.
  assert.deepEqual(def!.backends, [
    { id: 'i-a||0', serverId: 'i-a', address: '127.2.0.1', port: 8080, weight: 0, available: false },
  ])
  assert.deepEqual(
    vsg!.backends.map((b) => [b.address, b.port, b.available]),
    [
      ['127.2.0.1', 9000, false],
      ['127.2.0.9', 9001, true],
    ],
  )
})

test('attributes convert from seconds and on/off, with documented defaults', () => {
  const rows: DataplaneRows = {
    generation: 1,
    listeners: [
      {
        listener: listener({
          protocol: 'http',
          attributes: {
            healthCheck: 'on',
            healthCheckURI: '/health',
            healthCheckDomain: '$_ip',
            healthCheckHttpCode: 'http_2xx,http_3xx',
            healthCheckInterval: 5,
            stickySession: 'on',
            stickySessionType: 'server',
            cookie: 'sid',
            xForwardedForProto: 'on',
            requestTimeout: 10,
          },
        }),
        address: '127.1.0.2',
      },
      { listener: listener({ protocol: 'udp', port: 53, attributes: { healthCheckSwitch: 'off', connectionDrain: 'on', connectionDrainTimeout: 20 } }), address: '127.1.0.2' },
      { listener: listener({ port: 22, attributes: { establishedTimeout: 60, persistenceTimeout: 30, healthCheckType: 'http' } }), address: '127.1.0.2' },
    ],
    members: new Map(),
    servers: new Map(),
  }
  const [http, udp, tcp] = buildSnapshot(rows).listeners
  assert.deepEqual(http!.healthCheck, {
    type: 'http',
    port: undefined,
    intervalMs: 5000,
    timeoutMs: 5000,
    healthyThreshold: 3,
    unhealthyThreshold: 3,
    uri: '/health',
    domain: '',
    method: 'head',
    httpCodes: ['http_2xx', 'http_3xx'],
    request: '',
    expect: '',
  })
  assert.deepEqual(http!.http, {
    xForwardedFor: true,
    xForwardedProto: true,
    xForwardedSlbId: false,
    xForwardedSlbIp: false,
    xForwardedSlbPort: false,
    xForwardedClientSrcPort: false,
    stickySession: { type: 'server', cookieTimeoutSeconds: 1000, cookie: 'sid' },
    idleTimeoutMs: 15000,
    requestTimeoutMs: 10000,
  })
  assert.equal(udp!.healthCheck, undefined)
  assert.equal(udp!.drainTimeoutMs, 20000)
  assert.equal(udp!.http, undefined)
  assert.equal(tcp!.healthCheck?.type, 'http')
  assert.equal(tcp!.idleTimeoutMs, 60000)
  assert.equal(tcp!.persistenceTimeoutMs, 30000)
  assert.equal(tcp!.drainTimeoutMs, undefined)
})
