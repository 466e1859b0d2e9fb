/**
 * `make demo` / `make demo-stop` (through .ci/demo): runs the whole stack on this host under `.demo/` and
 * creates a MariaDB instance with a database and a user through the stock `openstack` CLI.
 *
 *   node dist/test/e2e/demo/demo.js start <dir>   config, database, datastores, processes, an instance; prints
 *                                                 how to connect; the processes keep running
 *   node dist/test/e2e/demo/demo.js stop <dir>    deletes the demo's instances, stops what it started (by PID),
 *                                                 drops its database and removes <dir>
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Stack } from '../../helpers/stack.js';
import { openstack, openstackJson, showInstance, waitForGone, waitForStatus } from '../helpers/cli.js';

const DATABASE = 'trove_demo';
const started = Date.now();
const say = (line: string) => console.log(`[demo ${String(Math.round((Date.now() - started) / 1000)).padStart(3)}s] ${line}`);

function running(stack: Stack): boolean {
  return stack.pidOf('api') !== undefined && stack.pidOf('taskmanager') !== undefined && stack.pidOf('conductor') !== undefined;
}

/** What to tell the user; kept in `<dir>/connect.txt` (mode 0600: it holds the password) for a second `make demo`. */
function connectionHelp(stack: Stack, address: string, user: string, password: string, database: string): string {
  return [
    '',
    'The demo instance is ACTIVE. Connect to it with:',
    '',
    `  mysql -h ${address} -P 3306 -u ${user} -p'${password}' ${database}`,
    '',
    'Drive the API with the stock CLI:',
    '',
    `  export OS_AUTH_TYPE=admin_token OS_TOKEN=${stack.token} OS_ENDPOINT=${stack.endpoint()}`,
    '  openstack database instance list',
    '',
    `Config: ${stack.configFile}   Logs: ${stack.logsDir}/   Stop everything: make demo-stop`,
    '',
  ].join('\n');
}

async function start(dir: string): Promise<void> {
  if (existsSync(resolve(dir, 'stack.json'))) {
    const previous = Stack.attach(dir);
    if (running(previous)) {
      say(`a demo is already running (API on port ${previous.port}); "make demo-stop" stops it`);
      const saved = resolve(dir, 'connect.txt');
      if (existsSync(saved)) console.log(readFileSync(saved, 'utf8'));
      return;
    }
    say('cleaning up the remains of an earlier demo');
    await stop(dir);
  }
  say('writing the configuration (random keys), creating the database, db_sync, registering mariadb 10.11 and postgresql 15');
  const stack = await Stack.create({ dir, databaseName: DATABASE, keepDatabase: false, detached: true, project: 'demo', token: 'demo-user', progress: say });
  await stack.start();

  const password = randomBytes(12).toString('base64url');
  say('openstack database instance create demo-mariadb --flavor 2 --size 1 --datastore mariadb --datastore-version 10.11 --databases demo --users demo:***');
  const created = await openstackJson<Record<string, unknown>>(stack, [
    'database', 'instance', 'create', 'demo-mariadb', '--flavor', '2', '--size', '1', '--datastore', 'mariadb', '--datastore-version', '10.11',
    '--databases', 'demo', '--users', `demo:${password}`,
  ]);
  const id = String(created['id']);
  say(`instance ${id} is building; waiting for ACTIVE`);
  const instance = await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs: 600_000, progress: (line) => say(line) });
  const address = (instance['ip'] as string[] | undefined)?.[0] ?? '?';
  say(`instance ${id} is ACTIVE at ${address} (operating status ${String(instance['operating_status'])})`);
  const help = connectionHelp(stack, address, 'demo', password, 'demo');
  writeFileSync(resolve(dir, 'connect.txt'), help, { mode: 0o600 });
  console.log(help);
}

async function stop(dir: string): Promise<void> {
  if (!existsSync(resolve(dir, 'stack.json'))) {
    say(`no demo under ${dir}; nothing to stop`);
    return;
  }
  const stack = Stack.attach(dir);
  if (running(stack)) {
    const listed = await openstack(stack, ['database', 'instance', 'list', '-f', 'json']);
    const instances = listed.code === 0 ? (JSON.parse(listed.stdout) as Array<{ ID: string; Name: string }>) : [];
    for (const instance of instances) {
      say(`deleting instance ${instance.Name} (${instance.ID})`);
      const result = await openstack(stack, ['database', 'instance', 'delete', instance.ID]);
      if (result.code !== 0) {
        // A building instance cannot be deleted through the API; the teardown below removes it from the host.
        say(`  the API refused (${result.stderr.trim().split('\n').at(-1) ?? ''}); removing it from the host instead`);
        continue;
      }
      await waitForGone(stack, instance.ID, 180_000).catch(async () => say(`  still there: ${JSON.stringify(await showInstance(stack, instance.ID))}`));
    }
  }
  say('stopping trove-api, trove-taskmanager, trove-conductor and any guest agents (by PID); removing containers and the database');
  await stack.teardown();
  say('demo stopped');
}

const [command, dir = '.demo'] = process.argv.slice(2);
try {
  if (command === 'start') await start(resolve(dir));
  else if (command === 'stop') await stop(resolve(dir));
  else {
    console.error('usage: demo.js start|stop [dir]');
    process.exitCode = 2;
  }
} catch (error) {
  console.error(`demo: ${(error as Error).message}`);
  process.exitCode = 1;
}
