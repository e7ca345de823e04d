/**
 * ECS instances: RunInstances, DescribeInstances, StartInstance, StopInstance, DeleteInstance. Each
 * instance comes with a primary ENI holding the same private address, as in ECS.
 */
import type { Handler } from '../api/route.js'
import type * as spec from '../api/spec/ecs.js'
import { incorrectInstanceStatus, instanceNotFound } from '../domain/errors.js'
import { newInstanceId, newNetworkInterfaceId, newOrderId } from '../domain/ids.js'
import type { Instance, InstanceStatus, NetworkInterface } from '../domain/model.js'
import type { Repositories } from '../store/repository.js'
import type { ActionContext } from './context.js'
import { pageInfo, resolvePage } from './ecs-paging.js'
import { defaultHostName, presentInstance } from './present/instances.js'
import { claimAddresses, place, regionScope } from './private-network.js'

type Spec<K extends keyof typeof spec> = (typeof spec)[K]
type H<K extends 'RunInstances' | 'DescribeInstances' | 'StartInstance' | 'StopInstance' | 'DeleteInstance'> =
  Handler<Spec<K>['params'], Spec<K>['response']>

// Instances start and stop at once, so every call sees a settled state: Running or Stopped.
export const runInstances: H<'RunInstances'> = async (ctx, p) => {
  const scope = regionScope(ctx.scope)
  const ids = Array.from({ length: p.Amount }, () => newInstanceId(scope.regionId))
  const createdAt = ctx.now()
  await ctx.store.write(scope, async (repos) => {
    const placement = await place(repos, scope.regionId, { vSwitchId: p.VSwitchId, zoneId: p.ZoneId })
    const addresses = await claimAddresses(repos, ctx.config.instancePool, p.PrivateIpAddress, ids)
    for (const [i, id] of ids.entries()) {
      const instance: Instance = {
        id,
        regionId: scope.regionId,
        ...placement,
        // ECS names an unnamed instance after its ID.
        name: p.InstanceName ?? id,
        description: p.Description ?? '',
        status: 'Running',
        privateIp: addresses[i]!,
        instanceType: p.InstanceType,
        imageId: p.ImageId,
        hostName: p.HostName ?? defaultHostName(id),
        createdAt,
      }
      await repos.instances.insert(instance)
      await repos.networkInterfaces.insert(primaryEni(instance))
    }
  })
  return { InstanceIdSets: ids, OrderId: newOrderId(), TradePrice: 0 }
}

const primaryEni = (instance: Instance): NetworkInterface => ({
  id: newNetworkInterfaceId(instance.regionId),
  regionId: instance.regionId,
  zoneId: instance.zoneId,
  name: '',
  description: '',
  status: 'InUse',
  primaryIp: instance.privateIp,
  vpcId: instance.vpcId,
  vSwitchId: instance.vSwitchId,
  instanceId: instance.id,
  createdAt: instance.createdAt,
})

export const describeInstances: H<'DescribeInstances'> = async (ctx, p) => {
  const page = resolvePage(p, 100)
  return ctx.store.read(ctx.scope, async (repos) => {
    const { items, total } = await repos.instances.list(
      {
        ids: p.InstanceIds,
        privateIps: p.PrivateIpAddresses,
        status: p.Status,
        name: p.InstanceName,
        vpcId: p.VpcId,
        vSwitchId: p.VSwitchId,
        zoneId: p.ZoneId,
      },
      page,
    )
    const enis = await attachedEnis(repos, items)
    return { ...pageInfo(page, total), Instances: items.map((i) => presentInstance(i, enis.get(i.id) ?? [])) }
  })
}

const attachedEnis = async (repos: Repositories, instances: readonly Instance[]) => {
  const byInstance = new Map<string, NetworkInterface[]>()
  if (instances.length === 0) return byInstance
  const ids = instances.map((i) => i.id)
  const { items } = await repos.networkInterfaces.list({ instanceIds: ids }, { offset: 0, limit: 10_000 })
  for (const eni of items) byInstance.set(eni.instanceId, [...(byInstance.get(eni.instanceId) ?? []), eni])
  return byInstance
}

/** Moves an instance from `from` to `to`; any other current state is IncorrectInstanceStatus. */
const transition = async (ctx: ActionContext, id: string, from: InstanceStatus, to: InstanceStatus) => {
  await ctx.store.write(ctx.scope, async (repos) => {
    const instance = await repos.instances.get(id)
    if (instance === undefined) throw instanceNotFound()
    if (instance.status !== from) throw incorrectInstanceStatus()
    await repos.instances.setStatus(id, to)
  })
  return {}
}

export const startInstance: H<'StartInstance'> = (ctx, p) => transition(ctx, p.InstanceId, 'Stopped', 'Running')

export const stopInstance: H<'StopInstance'> = (ctx, p) => transition(ctx, p.InstanceId, 'Running', 'Stopped')

// ECS releases only Stopped instances unless Force=true; the instance's ENI and address go with it.
export const deleteInstance: H<'DeleteInstance'> = async (ctx, p) => {
  await ctx.store.write(ctx.scope, async (repos) => {
    const instance = await repos.instances.get(p.InstanceId)
    if (instance === undefined) throw instanceNotFound()
    if (instance.status !== 'Stopped' && !p.Force) throw incorrectInstanceStatus()
    // A released instance (and its ENIs) leaves every server group it is in, as the cloud detaches
    // released instances from SLB; stopping one keeps its memberships (docs/compatibility.md).
    const enis = await attachedEnis(repos, [instance])
    await repos.serverGroups.removeServerEverywhere(instance.id)
    for (const eni of enis.get(instance.id) ?? []) {
      await repos.serverGroups.removeServerEverywhere(eni.id)
      await repos.networkInterfaces.delete(eni.id)
    }
    await repos.instances.delete(instance.id)
    await repos.privateIps.release(instance.id)
  })
  return {}
}
