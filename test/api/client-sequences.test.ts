/**
 * The VServer-group call sequences real clients issue, replayed with their dialects and batching:
 * Terraform's alicloud_slb_server_group and its server attachment, and the CCM's reconcile (contract §7).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { callError, ECS, openApi, popCore, type Body, type RpcCaller } from '../helpers/clients.js'
import { startTestServer } from '../helpers/server.js'

const REGION = 'cn-hangzhou'
const NOT_FOUND = 'The specified VServerGroupId does not exist.'

const runInstances = async (c: RpcCaller, count: number, first: number): Promise<string[]> => {
  const params = { RegionId: REGION, Amount: count, PrivateIpAddress: `127.2.0.${first}` }
  const body = await c.call('RunInstances', params, ECS)
  return body['InstanceIdSets']['InstanceIdSet']
}

const createLb = async (c: RpcCaller): Promise<string> =>
  (await c.call('CreateLoadBalancer', { RegionId: REGION }))['LoadBalancerId']

const attribute = (c: RpcCaller, id: string): Promise<Body> =>
  c.call('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id })

/** `serverId:port:weight`, sorted: the diff key Terraform and the CCM use, plus the weight. */
const membership = (body: Body): string[] =>
  body['BackendServers']['BackendServer'].map((m: Body) => `${m['ServerId']}:${m['Port']}:${m['Weight']}`).sort()

const expected = (servers: ReadonlyArray<{ id: string; port: number; weight: number }>): string[] =>
  servers.map((s) => `${s.id}:${s.port}:${s.weight}`).sort()

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, k) => items.slice(k * size, (k + 1) * size))

interface Server {
  readonly id: string
  readonly port: number
  readonly weight: number
}

/** Terraform's single-quoted dialect with string numbers (TF extension_slb.go, contract §0.2). */
const terraformDialect = (servers: readonly Server[]): string =>
  `[${servers.map((s) => `{'ServerId':'${s.id}','Port':'${s.port}','Weight':'${s.weight}', 'Type': 'ecs'}`).join(',')}]`

/**
 * Terraform's chunk loop: `segs := len/step + 1`, and on a multiple of 20 the last call re-sends the
 * previous chunk, because the Go SDK v1 keeps a reused request's parameters (contract §0.4).
 */
const terraformBatches = async (
  servers: readonly Server[],
  send: (backendServers: string) => Promise<Body>,
): Promise<Body[]> => {
  const step = 20
  const segs = Math.floor(servers.length / step) + 1
  const out: Body[] = []
  let previous: string | undefined
  for (let k = 0; k < segs; k++) {
    const slice = servers.slice(k * step, (k + 1) * step)
    const value = slice.length === 0 ? previous : terraformDialect(slice)
    if (value === undefined) continue
    previous = value
    out.push(await send(value))
  }
  return out
}

test('Terraform alicloud_slb_server_group (§7.1): create empty, chunks of 20 with replay, tags, delete', async (t) => {
  const s = await startTestServer(t)
  // Terraform's Go SDK v1: V1 signature, parameters in the query of a POST.
  const tf = openApi(s, 'v2')
  const lb = await createLb(tf)
  const ids = await runInstances(tf, 45, 1)

  // 1. Create with the default name and tags, no servers.
  const created = await tf.call('CreateVServerGroup', {
    RegionId: REGION,
    LoadBalancerId: lb,
    VServerGroupName: 'tf-server-group',
    'Tag.1.Key': 'Created',
    'Tag.1.Value': 'tfTestAcc',
  })
  const id: string = created['VServerGroupId']
  const call = (action: string, params: Record<string, unknown>) =>
    tf.call(action, { RegionId: REGION, VServerGroupId: id, ...params })

  // 2. Update: 40 servers added in chunks of 20; the third call replays the second chunk unchanged.
  let servers: Server[] = ids.slice(0, 40).map((serverId) => ({ id: serverId, port: 80, weight: 100 }))
  const added = await terraformBatches(servers, (value) =>
    call('AddVServerGroupBackendServers', { BackendServers: value }),
  )
  assert.equal(added.length, 3)
  assert.deepEqual(membership(added[2]!), expected(servers))
  // 3. Read: the group, then its tags (ListTagResources is part of every refresh).
  const read = await attribute(tf, id)
  assert.equal(read['LoadBalancerId'], lb)
  assert.deepEqual(membership(read), expected(servers))
  assert.deepEqual(read['BackendServers']['BackendServer'].map((m: Body) => m['ServerId']), ids.slice(0, 40))

  // A later apply: remove 20 (a multiple of 20, so replayed), add 5, re-weight 20 (replayed) with the name.
  const gone = servers.slice(0, 20)
  const removed = await terraformBatches(gone, (value) =>
    call('RemoveVServerGroupBackendServers', { BackendServers: value }),
  )
  assert.equal(removed.length, 2)
  servers = servers.slice(20)
  assert.deepEqual(membership(removed[1]!), expected(servers))
  const fresh = ids.slice(40).map((serverId) => ({ id: serverId, port: 8080, weight: 100 }))
  await terraformBatches(fresh, (value) => call('AddVServerGroupBackendServers', { BackendServers: value }))
  servers = [...servers, ...fresh]
  const reweighted = servers.slice(0, 20).map((server) => ({ ...server, weight: 30 }))
  const set = await terraformBatches(reweighted, (value) =>
    call('SetVServerGroupAttribute', { VServerGroupName: 'tf-server-group-2', BackendServers: value }),
  )
  assert.equal(set.length, 2)
  servers = [...reweighted, ...servers.slice(20)]
  assert.equal(set[1]!['VServerGroupName'], 'tf-server-group-2')
  // Sent even when only the name changes.
  await call('SetVServerGroupAttribute', { VServerGroupName: 'tf-server-group-3' })
  const after = await attribute(tf, id)
  assert.equal(after['VServerGroupName'], 'tf-server-group-3')
  assert.deepEqual(membership(after), expected(servers))
  assert.equal(servers.length, 25)

  // Tags: untag the old key, tag the new one, read back with ListTagResources (contract §7.1 step 2).
  const tagCall = (action: string, params: Record<string, unknown>) =>
    tf.call(action, { RegionId: REGION, ResourceType: 'vservergroup', 'ResourceId.1': id, ...params })
  await tagCall('UntagResources', { 'TagKey.1': 'Created' })
  await tagCall('TagResources', { 'Tag.1.Key': 'For', 'Tag.1.Value': 'acceptance' })
  const tags = await tagCall('ListTagResources', {})
  assert.deepEqual(tags['TagResources'], {
    TagResource: [{ ResourceType: 'vservergroup', ResourceId: id, TagKey: 'For', TagValue: 'acceptance' }],
  })

  // 4. Delete, then poll until not found: by the message or the code (contract §7.1 step 4).
  await call('DeleteVServerGroup', {})
  const polled = await callError(() => attribute(tf, id))
  assert.equal(polled.code, 'InvalidParameter')
  assert.equal(polled.statusCode, 404)
  assert.equal(polled.data?.['Message'], NOT_FOUND)
  // A second delete is also not-found, which Terraform ignores.
  assert.equal((await callError(() => call('DeleteVServerGroup', {}))).code, 'InvalidParameter')
  assert.deepEqual((await tagCall('ListTagResources', {}))['TagResources'], { TagResource: [] })
})

test('Terraform server attachments (§7.2): concurrent single-server adds, string-port deletes', async (t) => {
  const s = await startTestServer(t)
  // Terraform's RpcPost: a form body; pop-core POST sends exactly that.
  const tf = popCore(s, 'POST')
  const lb = await createLb(tf)
  const ids = await runInstances(tf, 10, 100)
  const id: string = (await tf.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb }))['VServerGroupId']
  // One instance on two ports: two attachments `<vsg>:<server>:<port>`.
  const attachments = [...ids.map((serverId) => ({ id: serverId, port: 80 })), { id: ids[0]!, port: 443 }]

  const results = await Promise.all(
    attachments.map((a) =>
      tf.call('AddVServerGroupBackendServers', {
        RegionId: REGION,
        VServerGroupId: id,
        BackendServers: JSON.stringify([
          { Description: 'tf-attach', Port: a.port, ServerId: a.id, Type: 'ecs', Weight: 100 },
        ]),
      }),
    ),
  )
  // Every response already holds its own member: Terraform reads it back at once.
  for (const [k, body] of results.entries()) {
    const mine = body['BackendServers']['BackendServer'].filter(
      (m: Body) => String(m['ServerId']) === attachments[k]!.id && String(m['Port']) === String(attachments[k]!.port),
    )
    assert.equal(mine.length, 1)
  }
  const read = await attribute(tf, id)
  const members: Body[] = read['BackendServers']['BackendServer']
  assert.equal(members.length, attachments.length)
  assert.deepEqual(
    membership(read),
    expected(attachments.map((a) => ({ ...a, weight: 100 }))),
  )
  assert.ok(members.every((m) => m['Description'] === 'tf-attach' && typeof m['Port'] === 'number'))
  // The calls ran one after another: each response is the group as its call left it, a prefix of the
  // final membership in insertion order.
  const keys = (list: Body[]) => list.map((m) => `${m['ServerId']}:${m['Port']}`)
  for (const body of results) {
    const seen = keys(body['BackendServers']['BackendServer'])
    assert.deepEqual(keys(members).slice(0, seen.length), seen)
  }
  assert.deepEqual(
    results.map((body) => body['BackendServers']['BackendServer'].length).sort((x, y) => x - y),
    attachments.map((_, k) => k + 1),
  )

  // Delete: "Port" as a string, also concurrently; then the group reads empty, with the path present.
  await Promise.all(
    attachments.map((a) =>
      tf.call('RemoveVServerGroupBackendServers', {
        RegionId: REGION,
        VServerGroupId: id,
        BackendServers: JSON.stringify([{ Port: String(a.port), ServerId: a.id, Type: 'ecs', Weight: 100 }]),
      }),
    ),
  )
  assert.deepEqual((await attribute(tf, id))['BackendServers'], { BackendServer: [] })
})

/** The CCM's marshalled model.BackendAttribute: lower-camel keys plus extra ones (contract §0.2). */
const ccmDialect = (servers: readonly Server[], description: string): string =>
  JSON.stringify(
    servers.map((s) => ({
      IsUserManaged: false,
      NodeName: `node-${s.id.slice(-4)}`,
      description,
      serverId: s.id,
      serverIp: '',
      weight: s.weight,
      port: s.port,
      type: 'ecs',
      TargetRef: null,
      Invalid: false,
    })),
  )

test('CCM VServer-group reconcile (§7.5): batches of 40, add before remove at the quota, weight drift', async (t) => {
  // A quota of 70 memberships per load balancer puts the rollover below right at the limit.
  const s = await startTestServer(t, {
    config: { quotas: { loadBalancersPerAccount: 60, tagsPerResource: 20, backendServersPerLoadBalancer: 70 } },
  })
  // The CCM's Go SDK v1 (V1 signature, parameters in the query).
  const ccm = openApi(s, 'v2')
  const lb = await createLb(ccm)
  const nodes = await runInstances(ccm, 70, 1)
  const name = 'k8s/30080/nginx/default/c3f2a1b0d'
  const description = 'k8s/default/nginx/80/c3f2a1b0d'
  const call = (action: string, id: string, params: Record<string, unknown>) =>
    ccm.call(action, { VServerGroupId: id, RegionId: REGION, ...params })

  // Reconcile 1: create the group empty, add 50 nodes in batches of 40 (the --sg-batch-size default).
  const createGroup = async (groupName: string): Promise<string> =>
    (await ccm.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb, VServerGroupName: groupName }))[
      'VServerGroupId'
    ]
  const id = await createGroup(name)
  let servers: Server[] = nodes.slice(0, 50).map((node) => ({ id: node, port: 30080, weight: 100 }))
  for (const batch of chunks(servers, 40)) {
    await call('AddVServerGroupBackendServers', id, { BackendServers: ccmDialect(batch, description) })
  }
  // A second group for another service port on the same load balancer.
  const other = await createGroup('k8s/30443/nginx/default/c3f2a1b0d')
  await call('AddVServerGroupBackendServers', other, {
    BackendServers: ccmDialect([{ id: nodes[0]!, port: 30443, weight: 100 }], description),
  })

  // Reconcile 2 finds its group by name among the load balancer's groups.
  const listed = await ccm.call('DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: lb })
  const found = listed['VServerGroups']['VServerGroup'].find((g: Body) => g['VServerGroupName'] === name)
  assert.equal(found['VServerGroupId'], id)
  assert.equal(found['ServerCount'], 50)
  assert.deepEqual(membership(await attribute(ccm, id)), expected(servers))

  // Node rollover: 20 new nodes in, 20 old out. Adds go first; 51 + 20 > 70 is refused as a whole.
  const incoming = nodes.slice(50, 70).map((node) => ({ id: node, port: 30080, weight: 100 }))
  const leaving = servers.slice(0, 20)
  const refused = await callError(() =>
    call('AddVServerGroupBackendServers', id, { BackendServers: ccmDialect(incoming, description) }),
  )
  assert.equal(refused.code, 'InstanceBackendServerNumberOverLimit')
  assert.ok(String(refused.message).includes('InstanceBackendServerNumberOverLimit'), 'the CCM matches the text')
  assert.deepEqual(membership(await attribute(ccm, id)), expected(servers))
  // The CCM defers the add: removes, updates drifted weights (0 drains), then adds again.
  await call('RemoveVServerGroupBackendServers', id, { BackendServers: ccmDialect(leaving, description) })
  servers = servers.slice(20)
  const drifted = servers.slice(0, 5).map((server, k) => ({ ...server, weight: k === 0 ? 0 : 60 }))
  await call('SetVServerGroupAttribute', id, { BackendServers: ccmDialect(drifted, description) })
  servers = [...drifted, ...servers.slice(5)]
  await call('AddVServerGroupBackendServers', id, { BackendServers: ccmDialect(incoming, description) })
  servers = [...servers, ...incoming]

  const final = await attribute(ccm, id)
  assert.deepEqual(membership(final), expected(servers))
  assert.equal(final['BackendServers']['BackendServer'].length, 50)
  assert.ok(final['BackendServers']['BackendServer'].every((m: Body) => m['Description'] === description))
  const relisted = await ccm.call('DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: lb })
  assert.deepEqual(
    relisted['VServerGroups']['VServerGroup'].map((g: Body) => [g['VServerGroupName'], g['ServerCount']]).sort(),
    [
      [name, 50],
      ['k8s/30443/nginx/default/c3f2a1b0d', 1],
    ].sort(),
  )

  // Service deletion: the owned groups go once unreferenced.
  await call('DeleteVServerGroup', id, {})
  await call('DeleteVServerGroup', other, {})
  const empty = await ccm.call('DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: lb })
  assert.deepEqual(empty['VServerGroups'], { VServerGroup: [] })
})
