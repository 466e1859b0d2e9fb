/** Call timeouts by timeout class (reference §3.1). */
import type { TroveConfig } from '../config/index.js';
import type { TimeoutClass } from './contract.js';

/** Milliseconds per timeout class. */
export interface RpcTimeouts {
  /** `agent_call_low_timeout` */
  lowMs: number;
  /** `agent_call_high_timeout` */
  highMs: number;
  /** `agent_replication_snapshot_timeout` */
  snapshotMs: number;
  /** `rpc_response_timeout` */
  defaultMs: number;
}

/** The configured timeouts. */
export function rpcTimeoutsFromConfig(config: TroveConfig): RpcTimeouts {
  return {
    lowMs: config.DEFAULT.agent_call_low_timeout * 1000,
    highMs: config.DEFAULT.agent_call_high_timeout * 1000,
    snapshotMs: config.DEFAULT.agent_replication_snapshot_timeout * 1000,
    defaultMs: config.DEFAULT.rpc_response_timeout * 1000,
  };
}

export function timeoutFor(timeouts: RpcTimeouts, timeoutClass: TimeoutClass): number {
  switch (timeoutClass) {
    case 'low':
      return timeouts.lowMs;
    case 'high':
      return timeouts.highMs;
    case 'snapshot':
      return timeouts.snapshotMs;
    case 'default':
      return timeouts.defaultMs;
  }
}
