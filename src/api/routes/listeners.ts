/** Routes: listeners and their backends' health. */
import * as listeners from '../../actions/listeners.js'
import { route, type Route } from '../route.js'
import * as spec from '../spec/listeners.js'

export const listenerRoutes: readonly Route[] = [
  route(spec.CreateLoadBalancerTCPListener, listeners.createTcpListener),
  route(spec.CreateLoadBalancerUDPListener, listeners.createUdpListener),
  route(spec.CreateLoadBalancerHTTPListener, listeners.createHttpListener),
  route(spec.SetLoadBalancerTCPListenerAttribute, listeners.setTcpListener),
  route(spec.SetLoadBalancerUDPListenerAttribute, listeners.setUdpListener),
  route(spec.SetLoadBalancerHTTPListenerAttribute, listeners.setHttpListener),
  route(spec.DescribeLoadBalancerTCPListenerAttribute, listeners.describeTcpListener),
  route(spec.DescribeLoadBalancerUDPListenerAttribute, listeners.describeUdpListener),
  route(spec.DescribeLoadBalancerHTTPListenerAttribute, listeners.describeHttpListener),
  route(spec.DescribeLoadBalancerListeners, listeners.describeListeners),
  route(spec.StartLoadBalancerListener, listeners.startListener),
  route(spec.StopLoadBalancerListener, listeners.stopListener),
  route(spec.DeleteLoadBalancerListener, listeners.deleteListener),
  route(spec.DescribeHealthStatus, listeners.describeHealthStatus),
]
