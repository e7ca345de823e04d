/** Routes: load balancers. */
import * as lb from '../../actions/load-balancers.js'
import { route, type Route } from '../route.js'
import * as spec from '../spec/load-balancers.js'

export const loadBalancerRoutes: readonly Route[] = [
  route(spec.CreateLoadBalancer, lb.createLoadBalancer),
  route(spec.DescribeLoadBalancers, lb.describeLoadBalancers),
  route(spec.DescribeLoadBalancerAttribute, lb.describeLoadBalancerAttribute),
  route(spec.DeleteLoadBalancer, lb.deleteLoadBalancer),
  route(spec.SetLoadBalancerStatus, lb.setLoadBalancerStatus),
  route(spec.SetLoadBalancerName, lb.setLoadBalancerName),
  route(spec.SetLoadBalancerDeleteProtection, lb.setLoadBalancerDeleteProtection),
  route(spec.SetLoadBalancerModificationProtection, lb.setLoadBalancerModificationProtection),
  route(spec.ModifyLoadBalancerInstanceSpec, lb.modifyLoadBalancerInstanceSpec),
  route(spec.ModifyLoadBalancerInternetSpec, lb.modifyLoadBalancerInternetSpec),
  route(spec.ModifyLoadBalancerInstanceChargeType, lb.modifyLoadBalancerInstanceChargeType),
]
