/**
 * The one shape every health probe has, and what each HealthCheckSpec field means to the probes.
 */

/*
 * HealthCheckSpec fields (the listener's health-check attributes, contract §2.3):
 *   type               which probe runs: 'tcp' (connect), 'http' (one request), 'udp' (one datagram).
 *   port               HealthCheckConnectPort: probe this port; undefined or 0 → the member's own port.
 *   intervalMs         health check interval: start-to-start time between two probes of one member.
 *   timeoutMs          HealthCheckConnectTimeout / HealthCheckTimeout: a probe that has not succeeded
 *                      by then fails (TCP: connected; HTTP: status line; UDP: expected reply). For a UDP
 *                      check without `expect` the timeout is the wait for an ICMP error instead.
 *   healthyThreshold   consecutive successes that make a member 'normal'.
 *   unhealthyThreshold consecutive failures that make a member 'abnormal'.
 *   uri                HTTP: request path; '' → '/'. TCP and UDP ignore it.
 *   domain             HTTP: Host header; '' (Alibaba's `$_ip`) → the member's IP. Ignored by TCP and UDP.
 *   method             HTTP: 'head' or 'get' (a GET body is read and discarded, up to a cap).
 *   httpCodes          HTTP: accepted status classes; empty → ['http_2xx'].
 *   request            UDP: payload sent; '' → DEFAULT_UDP_REQUEST. Ignored by TCP and HTTP.
 *   expect             UDP: the reply must contain it; '' → success unless the port is unreachable.
 */
import type { BackendTarget, HealthCheckSpec } from '../snapshot.js'

/**
 * Resolves true for a healthy answer, false for anything else. Never rejects on network errors,
 * and settles promptly (closing its socket) once `signal` aborts: the caller owns the timeout.
 */
export type Probe = (target: BackendTarget, spec: HealthCheckSpec, signal: AbortSignal) => Promise<boolean>

/** HealthCheckConnectPort when set, else the member's own port. */
export function probePort(target: BackendTarget, spec: HealthCheckSpec): number {
  return spec.port !== undefined && spec.port > 0 ? spec.port : target.port
}
