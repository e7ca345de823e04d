/**
 * Durability: everything a client was told succeeded is still there after the server stops and
 * starts again on the same data directory — resources, attributes, tags, the key, used nonces.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { signedV1, SLB_ACTION } from '../helpers/app.js'
import { callError, ECS, popCore } from '../helpers/clients.js'
import { startTestServer, tempDir } from '../helpers/server.js'

test('a restart on the same data dir loses nothing that was acknowledged', async (t) => {
  const dataDir = tempDir(t)
  const key = { accessKeyId: 'LTAIrestartkey', accessKeySecret: 'restart-secret' }
  const first = await startTestServer(t, { dataDir, ...key })
  const api = popCore(first, 'POST')

  const lb = await api.call('CreateLoadBalancer', {
    RegionId: 'cn-hangzhou',
    LoadBalancerName: 'durable',
    ClientToken: 'token-1',
    'Tag.1.Key': 'env',
    'Tag.1.Value': 'prod',
  })
  await api.call('SetLoadBalancerName', { RegionId: 'cn-hangzhou', LoadBalancerId: lb['LoadBalancerId'], LoadBalancerName: 'renamed' })
  await api.call('SetLoadBalancerDeleteProtection', { RegionId: 'cn-hangzhou', LoadBalancerId: lb['LoadBalancerId'], DeleteProtection: 'on' })
  await api.call('TagResources', {
    RegionId: 'cn-hangzhou',
    ResourceType: 'instance',
    'ResourceId.1': lb['LoadBalancerId'],
    'Tag.1.Key': 'team',
    'Tag.1.Value': 'edge',
  })
  const run = await api.call('RunInstances', { RegionId: 'cn-hangzhou', PrivateIpAddress: '127.2.0.9', InstanceName: 'web-1' }, ECS)
  const instanceId = run['InstanceIdSets']['InstanceIdSet'][0] as string
  await api.call('StopInstance', { InstanceId: instanceId }, ECS)
  const eni = await api.call('CreateNetworkInterface', { RegionId: 'cn-hangzhou', PrimaryIpAddress: '127.2.0.10' }, ECS)

  // A request the server accepted before the restart must still be refused as a replay after it.
  const replayable = signedV1(SLB_ACTION('DescribeRegions'), { keyId: key.accessKeyId, secret: key.accessKeySecret })
  assert.equal((await fetch(first.endpoint + replayable.url)).status, 200)
  const before = await api.call('DescribeLoadBalancerAttribute', { LoadBalancerId: lb['LoadBalancerId'] })
  await first.server.close()

  const second = await startTestServer(t, { dataDir, ...key })
  const again = popCore(second, 'GET')
  const after = await again.call('DescribeLoadBalancerAttribute', { LoadBalancerId: lb['LoadBalancerId'] })
  assert.deepEqual({ ...after, RequestId: '' }, { ...before, RequestId: '' })
  assert.equal(after['LoadBalancerName'], 'renamed')
  assert.equal(after['DeleteProtection'], 'on')
  assert.equal(after['Address'], lb['Address'])

  const tags = await again.call('ListTagResources', { RegionId: 'cn-hangzhou', ResourceType: 'instance', 'ResourceId.1': lb['LoadBalancerId'] })
  assert.deepEqual(
    tags['TagResources']['TagResource'].map((r: any) => `${r.TagKey}=${r.TagValue}`).sort(),
    ['env=prod', 'team=edge'],
  )
  // The ClientToken still maps to the same load balancer.
  const replayCreate = await again.call('CreateLoadBalancer', { RegionId: 'cn-hangzhou', ClientToken: 'token-1' })
  assert.equal(replayCreate['LoadBalancerId'], lb['LoadBalancerId'])
  const deletion = await callError(() => again.call('DeleteLoadBalancer', { RegionId: 'cn-hangzhou', LoadBalancerId: lb['LoadBalancerId'] }))
  assert.equal(deletion.code, 'OperationDenied.DeleteProtection')

  const instances = await again.call('DescribeInstances', { RegionId: 'cn-hangzhou', InstanceIds: JSON.stringify([instanceId]) }, ECS)
  const instance = instances['Instances']['Instance'][0]
  assert.equal(instance['Status'], 'Stopped')
  assert.equal(instance['InstanceName'], 'web-1')
  assert.deepEqual(instance['VpcAttributes']['PrivateIpAddress']['IpAddress'], ['127.2.0.9'])
  const enis = await again.call('DescribeNetworkInterfaces', { RegionId: 'cn-hangzhou', 'NetworkInterfaceId.1': eni['NetworkInterfaceId'] }, ECS)
  assert.equal(enis['NetworkInterfaceSets']['NetworkInterfaceSet'][0]['PrivateIpAddress'], '127.2.0.10')
  // Claimed addresses stay claimed.
  const duplicate = await callError(() => again.call('RunInstances', { RegionId: 'cn-hangzhou', PrivateIpAddress: '127.2.0.9' }, ECS))
  assert.equal(duplicate.code, 'InvalidPrivateIpAddress.Duplicated')

  const replay = await fetch(second.endpoint + replayable.url)
  assert.equal(replay.status, 400)
  assert.equal(((await replay.json()) as Record<string, string>)['Code'], 'SignatureNonceUsed')
})
