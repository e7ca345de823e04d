/** Elastic network interfaces: CreateNetworkInterface, DescribeNetworkInterfaces, DeleteNetworkInterface. */
import type { Handler } from '../api/route.js'
import type * as spec from '../api/spec/ecs.js'
import { networkInterfaceInUse, networkInterfaceNotFound } from '../domain/errors.js'
import { newNetworkInterfaceId } from '../domain/ids.js'
import type { NetworkInterface } from '../domain/model.js'
import { pageInfo, resolvePage } from './ecs-paging.js'
import { presentCreatedEni, presentEni } from './present/network-interfaces.js'
import { claimAddresses, place, regionScope } from './private-network.js'

type Spec<K extends keyof typeof spec> = (typeof spec)[K]
type H<K extends 'CreateNetworkInterface' | 'DescribeNetworkInterfaces' | 'DeleteNetworkInterface'> = Handler<
  Spec<K>['params'],
  Spec<K>['response']
>

// A new ENI is detached, hence Available, until an instance takes it.
export const createNetworkInterface: H<'CreateNetworkInterface'> = async (ctx, p) => {
  const scope = regionScope(ctx.scope)
  const id = newNetworkInterfaceId(scope.regionId)
  const eni = await ctx.store.write(scope, async (repos) => {
    const placement = await place(repos, scope.regionId, { vSwitchId: p.VSwitchId, zoneId: undefined })
    const [address] = await claimAddresses(repos, ctx.config.instancePool, p.PrimaryIpAddress, [id])
    const created: NetworkInterface = {
      id,
      regionId: scope.regionId,
      ...placement,
      name: p.NetworkInterfaceName ?? '',
      description: p.Description ?? '',
      status: 'Available',
      primaryIp: address!,
      instanceId: '',
      createdAt: ctx.now(),
    }
    await repos.networkInterfaces.insert(created)
    return created
  })
  return presentCreatedEni(eni, ctx.scope.accountId)
}

export const describeNetworkInterfaces: H<'DescribeNetworkInterfaces'> = async (ctx, p) => {
  const page = resolvePage(p, 500)
  const { items, total } = await ctx.store.read(ctx.scope, (repos) =>
    repos.networkInterfaces.list(
      {
        ids: p.NetworkInterfaceId,
        primaryIp: p.PrimaryIpAddress,
        privateIps: p.PrivateIpAddress,
        name: p.NetworkInterfaceName,
        status: p.Status,
        instanceIds: p.InstanceId === undefined ? undefined : [p.InstanceId],
        vpcId: p.VpcId,
        vSwitchId: p.VSwitchId,
        attached: p.Type === undefined ? undefined : p.Type === 'Primary',
      },
      page,
    ),
  )
  return { ...pageInfo(page, total), NetworkInterfaceSets: items.map((eni) => presentEni(eni, ctx.scope.accountId)) }
}

// An ENI attached to an instance (its primary one here) goes only with the instance.
export const deleteNetworkInterface: H<'DeleteNetworkInterface'> = async (ctx, p) => {
  await ctx.store.write(ctx.scope, async (repos) => {
    const eni = await repos.networkInterfaces.get(p.NetworkInterfaceId)
    if (eni === undefined) throw networkInterfaceNotFound()
    if (eni.status !== 'Available' || eni.instanceId !== '') throw networkInterfaceInUse()
    // A deleted ENI leaves every server group it is in, like a released instance (docs/compatibility.md).
    await repos.serverGroups.removeServerEverywhere(eni.id)
    await repos.networkInterfaces.delete(eni.id)
    await repos.privateIps.release(eni.id)
  })
  return {}
}
