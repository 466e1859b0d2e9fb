/**
 * Drives a stack the way a user does: the stock `openstack` CLI from Debian (python3-openstackclient +
 * python3-troveclient) without Keystone (`--os-auth-type admin_token`, stock-clients.md §2.2), plus direct
 * reads of the API for polling (the CLI takes seconds to start) and of the database for what no API shows.
 */
import { expect } from 'chai';
import { run, type CommandResult, type Stack } from '../../helpers/stack.js';

export const OPENSTACK = '/usr/bin/openstack';

/** The environment of a CLI run: no OS_* variables from the caller's shell leak in. */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('OS_')) env[name] = value;
  return env;
}

/** Runs `openstack <args>` against the stack's API. */
export function openstack(stack: Stack, args: readonly string[], project = stack.project): Promise<CommandResult> {
  return run(OPENSTACK, ['--os-auth-type', 'admin_token', '--os-token', stack.token, '--os-endpoint', stack.endpoint(project), ...args], { env: cliEnv() });
}

/** Runs the CLI and fails the test with its stderr unless it exits 0; returns stdout. */
export async function openstackOk(stack: Stack, args: readonly string[]): Promise<string> {
  const result = await openstack(stack, args);
  expect(result.code, `openstack ${args.join(' ')}\n${result.stderr}`).to.equal(0);
  return result.stdout;
}

/** Runs the CLI with `-f json` and parses its output. */
export async function openstackJson<T>(stack: Stack, args: readonly string[]): Promise<T> {
  return JSON.parse(await openstackOk(stack, [...args, '-f', 'json'])) as T;
}

/** The API's view of an instance, or undefined once it is gone (404). */
export async function showInstance(stack: Stack, id: string): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${stack.endpoint()}/instances/${id}`, { headers: { 'X-Auth-Token': stack.token, Accept: 'application/json' } });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET instance ${id}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { instance: Record<string, unknown> }).instance;
}

/**
 * Polls the API until the instance's status is one of `wanted`; fails at once on ERROR unless wanted.
 * Reports each change of status through `progress`.
 */
export async function waitForStatus(
  stack: Stack,
  id: string,
  wanted: readonly string[],
  options: { timeoutMs?: number; progress?: (line: string) => void } = {},
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let last = '';
  for (;;) {
    const instance = await showInstance(stack, id);
    const status = instance === undefined ? 'GONE' : String(instance['status']);
    if (status !== last) {
      options.progress?.(`${id}: ${status}`);
      last = status;
    }
    if (instance !== undefined && wanted.includes(status)) return instance;
    if (status === 'ERROR' && !wanted.includes('ERROR')) throw new Error(`instance ${id} went to ERROR: ${JSON.stringify(instance?.['fault'] ?? null)}\n--- taskmanager log tail ---\n${stack.log('taskmanager').split('\n').slice(-20).join('\n')}`);
    if (Date.now() > deadline) throw new Error(`instance ${id} is ${status}, not ${wanted.join('/')}, after ${options.timeoutMs ?? 300_000} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Polls until the API no longer knows the instance. */
export async function waitForGone(stack: Stack, id: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await showInstance(stack, id)) !== undefined) {
    if (Date.now() > deadline) throw new Error(`instance ${id} still exists after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The instance's address as the API reports it. */
export function addressOf(instance: Record<string, unknown>): string {
  const ip = instance['ip'];
  expect(ip, `ip of ${JSON.stringify(instance)}`).to.be.an('array').that.is.not.empty;
  return (ip as string[])[0] as string;
}
