import assert from 'node:assert/strict'
import { test } from 'node:test'
import { allClients, callError } from '../helpers/clients.js'
import { startTestServer } from '../helpers/server.js'

test('DescribeRegions and DescribeZones through every client style', async (t) => {
  const s = await startTestServer(t)
  for (const client of allClients(s)) {
    const regions = await client.call('DescribeRegions', { RegionId: 'cn-hangzhou' })
    assert.equal(regions['Code'], undefined, client.name)
    assert.match(regions['RequestId'], /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/)
    const hz = regions['Regions']['Region'].find((r: any) => r.RegionId === 'cn-hangzhou')
    assert.deepEqual(hz, { RegionId: 'cn-hangzhou', LocalName: 'China (Hangzhou)', RegionEndpoint: 'slb.aliyuncs.com' })

    const zones = await client.call('DescribeZones', { RegionId: 'cn-beijing' })
    assert.ok(zones['Zones']['Zone'].length > 1, client.name)
    assert.ok(Array.isArray(zones['Zones']['Zone'][0]['SlaveZones']['SlaveZone']))

    const err = await callError(() => client.call('DescribeZones', { RegionId: 'xx-nowhere-1' }))
    assert.equal(err.code, 'InvalidRegionId.NotFound', client.name)
  }
})
