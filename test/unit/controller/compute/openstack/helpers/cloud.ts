/**
 * Test wiring: a fixture server, a configuration whose `[service_credentials]` point at it, and an openstack
 * backend built from that configuration with its logs captured (at debug level) so tests can prove that no
 * token or password is ever logged.
 */
import { Writable } from 'node:stream';
import { defaultConfig, type DeepPartial, type TroveConfig } from '../../../../../../shared/config/index.js';
import { createLogger, type Logger } from '../../../../../../shared/logging/index.js';
import { createOpenStackBackend, type OpenStackBackend, type OpenStackBackendOptions } from '../../../../../../controller/compute/openstack/index.js';
import { type FixtureServer, SERVICE_PASSWORD, loadFixture, substitute } from './fixture-server.js';

/** Ids used across the fixtures. */
export const ids = {
  instance: '5a9c2f3e-8d3b-4a1f-9d5e-2b7c6e1f0a42',
  tenant: '7d1c5a3e2b9f4e8a9c6d5b4a3f2e1d0c',
  tenantUser: '9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  server: 'f5dc173b-6804-445a-a6d8-c705dad5b5eb',
  image: '70a599e0-31e7-49b7-b260-868f441e862b',
  volume: '6edbc2f4-1507-44f8-ac0d-eed1d2608d38',
  group: '5bbcc3c4-1da2-4437-a48a-66f15b1b13f9',
  securityGroup: '85cc3048-abc3-43cc-89b3-377341426ac5',
  rule: '3c0e45ff-adaf-4124-b083-bf390e5482ff',
  network: 'a87cc70a-3e15-4acf-8205-9b711a3531b7',
  subnet: 'a0304c3a-4f08-4c43-88af-d796509c97d2',
  port: 'ebe69f1e-bc26-4db5-bed0-c0afb4afe3db',
  managementPort: 'f6a20d3c-29a8-4d8d-a6c1-2e0b5f2a7c11',
  externalNetwork: '4e5e1c0c-8c3b-4b0e-a6a1-4f8c6a7c1f3e',
  floatingIp: '2f245a7b-796b-4f26-9cf9-9e82d248fda7',
} as const;

/** The instance's injected files and their rendered user data (test/fixtures/openstack/guest-files.json). */
export interface GuestFilesFixture {
  files: Array<{ path: string; owner: string; content: string }>;
  userData: string;
}

export function guestFiles(): GuestFilesFixture {
  return loadFixture<GuestFilesFixture>('guest-files.json');
}

/** Captured log lines. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly logger: Logger;

  constructor() {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.lines.push(chunk.toString('utf8'));
        done();
      },
    });
    this.logger = createLogger({ name: 'openstack-test', level: 'debug', destination: sink });
  }

  text(): string {
    return this.lines.join('');
  }
}

/** Configuration pointing at the fixture server. */
export function cloudConfig(server: FixtureServer, overrides: DeepPartial<TroveConfig> = {}): TroveConfig {
  return defaultConfig({
    ...overrides,
    service_credentials: {
      auth_url: `${server.base}/identity/v3`,
      username: 'trove',
      password: SERVICE_PASSWORD,
      project_name: 'service',
      region_name: 'RegionOne',
      timeout: 5,
      connect_retries: 2,
      connect_retry_delay: 0,
      ...overrides.service_credentials,
    },
  });
}

/** A backend on the fixture server, with the auth body Keystone expects pinned. */
export function cloudBackend(
  server: FixtureServer,
  overrides: DeepPartial<TroveConfig> = {},
  options: OpenStackBackendOptions = {},
): { backend: OpenStackBackend; logs: LogCapture } {
  const logs = new LogCapture();
  server.keystone.expectedAuth = substitute(loadFixture<{ body: unknown }>('keystone/auth-request-project-name.json').body, server.vars());
  const backend = createOpenStackBackend(cloudConfig(server, overrides), logs.logger, options);
  return { backend, logs };
}

/** Serializes an error completely (message, details, cause chain) to search it for secrets. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '', JSON.stringify((current as { details?: unknown }).details ?? null));
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join('\n');
}

/** Asserts that no issued token and not the password appear in the text. */
export function secretsIn(server: FixtureServer, text: string): string[] {
  return [...server.issuedTokens, SERVICE_PASSWORD].filter((secret) => text.includes(secret));
}
