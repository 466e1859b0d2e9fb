/**
 * Chooses the compute backend named by `[DEFAULT] compute_backend`. The taskmanager builds one at start and
 * the API uses its `flavors`; both close it on shutdown.
 */
import type { TroveConfig } from '../../shared/config/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { createLocalProcessBackend } from './local-process/index.js';
import { createLocalQemuBackend } from './local-qemu/index.js';
import { createOpenStackBackend } from './openstack/index.js';
import type { ComputeBackend } from './ports.js';

/**
 * Builds the configured backend; nothing is contacted until the first call.
 * @throws ConfigError when the backend is not available in this build or its options are incomplete
 */
export function createComputeBackend(config: TroveConfig, logger: Logger): ComputeBackend {
  const name = config.DEFAULT.compute_backend;
  switch (name) {
    case 'openstack':
      return createOpenStackBackend(config, logger);
    case 'local-process':
      return createLocalProcessBackend(config, logger);
    case 'local-qemu':
      return createLocalQemuBackend(config, logger);
    default:
      throw new ConfigError(`[DEFAULT] compute_backend = ${name} is not available; use openstack, local-process or local-qemu.`, { compute_backend: name });
  }
}
