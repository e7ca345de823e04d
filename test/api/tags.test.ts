/** Tag actions through the real clients: tag, list (NextToken), untag, limits and key rules. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { allClients, callError, openApi, popCore, type Body, type RpcCaller } from '../helpers/clients.js'
import { startTestServer } from '../helpers/server.js'

const REGION = 'cn-hangzhou'

const tagParams = (tags: ReadonlyArray<readonly [string, string]>, prefix = 'Tag'): Record<string, string> =>
  Object.fromEntries(tags.flatMap(([k, v], i) => [[`${prefix}.${i + 1}.Key`, k], [`${prefix}.${i + 1}.Value`, v]]))

const ids = (list: readonly string[]): Record<string, string> =>
  Object.fromEntries(list.map((id, i) => [`ResourceId.${i + 1}`, id]))

const listTags = (c: RpcCaller, params: Record<string, unknown>): Promise<Body> =>
  c.call('ListTagResources', { RegionId: REGION, ResourceType: 'instance', ...params })

const rows = (body: Body): Array<[string, string, string]> =>
  body['TagResources']['TagResource'].map((r: Body) => [r['ResourceId'], r['TagKey'], r['TagValue']])

test('TagResources, ListTagResources and UntagResources through every client style', async (t) => {
  const s = await startTestServer(t)
  for (const client of allClients(s)) {
    const { LoadBalancerId: a } = await client.call('CreateLoadBalancer', { RegionId: REGION })
    const { LoadBalancerId: b } = await client.call('CreateLoadBalancer', { RegionId: REGION })

    const tagged = await client.call('TagResources', {
      RegionId: REGION,
      ResourceType: 'instance',
      ...ids([a, b]),
      ...tagParams([
        ['env', 'prod'],
        ['team', 'net'],
      ]),
    })
    assert.deepEqual(tagged, { RequestId: tagged['RequestId'] }, client.name)

    // The same key with another value overwrites (contract §2.6).
    await client.call('TagResources', {
      RegionId: REGION,
      ResourceType: 'instance',
      ...ids([a]),
      ...tagParams([['env', 'dev']]),
    })

    const listed = await listTags(client, ids([a, b]))
    assert.deepEqual(listed, {
      RequestId: listed['RequestId'],
      NextToken: '',
      TagResources: {
        TagResource: [
          ...[a, b].sort().flatMap((id) => [
            { ResourceType: 'instance', ResourceId: id, TagKey: 'env', TagValue: id === a ? 'dev' : 'prod' },
            { ResourceType: 'instance', ResourceId: id, TagKey: 'team', TagValue: 'net' },
          ]),
        ],
      },
    })
    // Tags are visible at once in both describe views (contract §2.2).
    const attr = await client.call('DescribeLoadBalancerAttribute', { LoadBalancerId: a })
    assert.deepEqual(attr['Tags'], {
      Tag: [
        { TagKey: 'env', TagValue: 'dev' },
        { TagKey: 'team', TagValue: 'net' },
      ],
    })
    const byTag = await client.call('DescribeLoadBalancers', { RegionId: REGION, ...tagParams([['env', 'prod']]) })
    assert.deepEqual(byTag['LoadBalancers']['LoadBalancer'].map((lb: Body) => lb['LoadBalancerId']), [b])

    // Filtering ListTagResources by tag lists the resources carrying it, with the matching rows.
    assert.deepEqual(rows(await listTags(client, tagParams([['env', 'prod']]))), [[b, 'env', 'prod']])

    const untagged = await client.call('UntagResources', {
      RegionId: REGION,
      ResourceType: 'instance',
      ...ids([a, b]),
      'TagKey.1': 'team',
      'TagKey.2': 'absent-key',
    })
    assert.deepEqual(untagged, { RequestId: untagged['RequestId'] })
    assert.deepEqual(
      rows(await listTags(client, ids([a, b]))),
      [a, b].sort().map((id) => [id, 'env', id === a ? 'dev' : 'prod']),
    )

    // Neither TagKey nor All: nothing is removed.
    await client.call('UntagResources', { RegionId: REGION, ResourceType: 'instance', ...ids([a]) })
    assert.equal(rows(await listTags(client, ids([a]))).length, 1)
    await client.call('UntagResources', { RegionId: REGION, ResourceType: 'instance', ...ids([a, b]), All: true })
    const empty = await listTags(client, ids([a, b]))
    assert.deepEqual(empty, { RequestId: empty['RequestId'], NextToken: '', TagResources: { TagResource: [] } })

    for (const id of [a, b]) await client.call('DeleteLoadBalancer', { LoadBalancerId: id })
  }
})

test('ListTagResources pages with NextToken; other resource types list empty', async (t) => {
  const s = await startTestServer(t)
  const c = popCore(s, 'GET')
  const lbs: string[] = []
  for (let i = 0; i < 3; i++) {
    const twenty = Array.from({ length: 20 }, (_, k) => [`key-${String(k).padStart(2, '0')}`, `v${i}`] as const)
    const { LoadBalancerId } = await c.call('CreateLoadBalancer', { RegionId: REGION, ...tagParams(twenty) })
    lbs.push(LoadBalancerId)
  }
  const first = await listTags(c, ids(lbs))
  assert.equal(first['TagResources']['TagResource'].length, 50)
  assert.equal(typeof first['NextToken'], 'string')
  assert.notEqual(first['NextToken'], '')
  const second = await listTags(c, { ...ids(lbs), NextToken: first['NextToken'] })
  assert.equal(second['TagResources']['TagResource'].length, 10)
  assert.equal(second['NextToken'], '')
  const all = [...rows(first), ...rows(second)]
  assert.deepEqual(
    all,
    [...lbs].sort().flatMap((id) =>
      Array.from({ length: 20 }, (_, k) => [id, `key-${String(k).padStart(2, '0')}`, `v${lbs.indexOf(id)}`]),
    ),
  )

  const bad = await callError(() => listTags(c, { NextToken: 'not-a-token' }))
  assert.equal(bad.code, 'InvalidParameter')

  // Terraform reads vservergroup tags on every refresh; the path must exist even when empty.
  const groups = await c.call('ListTagResources', {
    RegionId: REGION,
    ResourceType: 'vservergroup',
    'ResourceId.1': 'rsp-x',
  })
  assert.deepEqual(groups['TagResources'], { TagResource: [] })
  // Another region shows none of these tags.
  const beijing = await c.call('ListTagResources', { RegionId: 'cn-beijing', ResourceType: 'instance', ...ids(lbs) })
  assert.deepEqual(beijing['TagResources'], { TagResource: [] })
})

test('tag limits and rules: exact codes, and a rejected call tags nothing', async (t) => {
  const s = await startTestServer(t)
  const c = openApi(s, 'v3')
  const { LoadBalancerId: lb } = await c.call('CreateLoadBalancer', {
    RegionId: REGION,
    ...tagParams(Array.from({ length: 15 }, (_, k) => [`k${k}`, 'v'] as const)),
  })
  const { LoadBalancerId: other } = await c.call('CreateLoadBalancer', { RegionId: REGION })
  const snapshot = async () => ({
    tags: rows(await listTags(c, ids([lb, other]))),
    lbs: (await c.call('DescribeLoadBalancers', { RegionId: REGION }))['TotalCount'],
  })
  const before = await snapshot()
  assert.equal(before.tags.length, 15)
  const expect = async (action: string, params: Record<string, unknown>, code: string, status = 400) => {
    const e = await callError(() => c.call(action, { RegionId: REGION, ResourceType: 'instance', ...params }))
    assert.equal(e.code, code, `${action} ${JSON.stringify(params).slice(0, 120)}`)
    assert.equal(e.statusCode, status)
    assert.deepEqual(await snapshot(), before)
  }

  // 15 + 6 new keys > 20 per resource; the other resource in the same call is untouched too.
  const six = Array.from({ length: 6 }, (_, k) => [`n${k}`, 'v'] as const)
  await expect('TagResources', { ...ids([other, lb]), ...tagParams(six) }, 'TagCountLimit')
  // Overwriting existing keys does not count against the limit.
  await c.call('TagResources', {
    RegionId: REGION,
    ResourceType: 'instance',
    ...ids([lb]),
    ...tagParams([...Array.from({ length: 15 }, (_, k) => [`k${k}`, 'v'] as const), ['n0', 'v']]),
  })
  await c.call('UntagResources', { RegionId: REGION, ResourceType: 'instance', ...ids([lb]), 'TagKey.1': 'n0' })
  assert.deepEqual(await snapshot(), before)

  const twentyOne = Array.from({ length: 21 }, (_, k) => [`m${k}`, 'v'] as const)
  await expect('TagResources', { ...ids([other]), ...tagParams(twentyOne) }, 'TagCreateCountLimit')
  await expect(
    'TagResources',
    { ...ids(Array.from({ length: 21 }, () => other)), ...tagParams([['a', 'b']]) },
    'InvalidParameter',
  )
  for (const key of ['aliyun-x', 'acs:x', 'ACS:x', 'see http://x', 'https://x', 'k'.repeat(65)]) {
    await expect('TagResources', { ...ids([other]), ...tagParams([[key, 'v']]) }, 'InvalidTagKey')
  }
  await expect('TagResources', { ...ids([other]), 'Tag.1.Value': 'no key' }, 'InvalidTagKey')
  await expect('TagResources', { ...ids([other]), ...tagParams([['ok', 'v'.repeat(129)]]) }, 'InvalidTagValue')
  // Limits hold at the boundary: 64-character keys and 128-character values are fine.
  await c.call('TagResources', {
    RegionId: REGION,
    ResourceType: 'instance',
    ...ids([other]),
    ...tagParams([['k'.repeat(64), 'v'.repeat(128)]]),
  })
  await c.call('UntagResources', { RegionId: REGION, ResourceType: 'instance', ...ids([other]), All: true })

  // A missing resource fails the whole call, including the existing one listed first.
  const ab = tagParams([['a', 'b']])
  await expect('TagResources', { ...ids([other, 'lb-bp1missing']), ...ab }, 'InvalidLoadBalancerId.NotFound', 404)
  await expect('UntagResources', { ...ids([lb, 'lb-bp1missing']), All: true }, 'InvalidLoadBalancerId.NotFound', 404)
  const group = { ResourceType: 'vservergroup', ...ids(['rsp-x']), ...ab }
  await expect('TagResources', group, 'InvalidResourceId.NotFound', 404)
  await expect('TagResources', { ResourceType: 'bucket', ...ids([other]), ...ab }, 'InvalidParameter')
  await expect('TagResources', { ResourceType: undefined, ...ids([other]), ...ab }, 'MissingParameter')
  await expect('TagResources', { ...ab }, 'MissingParameter')
  await expect('TagResources', { ...ids([other]) }, 'MissingParameter')
  const keys21 = Object.fromEntries(Array.from({ length: 21 }, (_, k) => [`TagKey.${k + 1}`, `k${k}`]))
  await expect('UntagResources', { ...ids([lb]), ...keys21 }, 'InvalidParameter')
  await expect('ListTagResources', { ...ids([lb]), NextToken: '!!' }, 'InvalidParameter')
  const noRegion = await callError(() =>
    popCore(s).call('ListTagResources', { ResourceType: 'instance', ...ids([lb]) }),
  )
  assert.equal(noRegion.code, 'MissingParameter')

  // CreateLoadBalancer applies the same rules before creating anything.
  await expect('CreateLoadBalancer', tagParams([['aliyun', 'v']]), 'InvalidTagKey')
  await expect('CreateLoadBalancer', tagParams(twentyOne), 'TagCreateCountLimit')
})

test('per-resource tag quota comes from the configuration; DeleteLoadBalancer drops the tags', async (t) => {
  const s = await startTestServer(t, { config: { quotas: { backendServersPerLoadBalancer: 200, loadBalancersPerAccount: 5, tagsPerResource: 2 } } })
  const c = popCore(s, 'POST')
  const tooMany = await callError(() =>
    c.call('CreateLoadBalancer', { RegionId: REGION, ...tagParams([['a', '1'], ['b', '2'], ['c', '3']]) }),
  )
  assert.equal(tooMany.code, 'TagCountLimit')
  assert.equal((await c.call('DescribeLoadBalancers', { RegionId: REGION }))['TotalCount'], 0)

  const created = await c.call('CreateLoadBalancer', {
    RegionId: REGION,
    ...tagParams([
      ['a', '1'],
      ['b', '2'],
    ]),
  })
  const lb: string = created['LoadBalancerId']
  const e = await callError(() =>
    c.call('TagResources', { RegionId: REGION, ResourceType: 'instance', ...ids([lb]), ...tagParams([['c', '3']]) }),
  )
  assert.equal(e.code, 'TagCountLimit')
  assert.deepEqual(rows(await listTags(c, ids([lb]))), [
    [lb, 'a', '1'],
    [lb, 'b', '2'],
  ])

  await c.call('DeleteLoadBalancer', { LoadBalancerId: lb })
  assert.deepEqual(rows(await listTags(c, ids([lb]))), [])
  assert.deepEqual(rows(await listTags(c, tagParams([['a', '1']]))), [])
})
