/**
 * Benchmark: trove-ts `trove-api` against stock Trove 18 `trove-api` (Debian), same requests, same data,
 * same MariaDB, each with its own database and port, both with their default 2 workers on this 2-CPU host.
 * Scenarios (stock-trove-baseline.md §6-7): GET /datastores and GET /instances for a tenant with 1000
 * instances (a page of 20), at concurrency 1 and 16, runs alternated A/B/A/B. Prints req/s, p50/p99, server
 * CPU ms per request (whole process tree, warmup included, as the baseline), RSS/PSS, and the ratios.
 *
 *   node dist-<x>/test/bench/api/api-vs-stock.js          (env: BENCH_REPS=2, BENCH_SCALE=1)
 *
 * Needs: MariaDB on 127.0.0.1:3306 (root, no password), RabbitMQ on 127.0.0.1:5672 (guest/guest), root to
 * install trove-api when it is missing. Everything it starts is stopped by PID; its databases are dropped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../../controller/db/connection.js';
import { runMigrations } from '../../../controller/db/migrate.js';
import type { TroveModels } from '../../../controller/db/index.js';
import { defaultConfig } from '../../../shared/config/index.js';
import { adminConnection, testServerUrl } from '../../helpers/mariadb.js';
import { machineBusySeconds, runLoad, treeCpuSeconds, treeMemoryMb, type LoadResult } from './load.js';
import { ensureStockTrove, prepareStockTrove } from './stock-trove.js';

const TENANT_EMPTY = '7a1c0ffee0004c0d9b7b1e5c00000001';
const TENANT_1000 = '7a1c0ffee0004c0d9b7b1e5c00001000';
const API_MAIN = new URL('../../../controller/api/main.js', import.meta.url).pathname;
const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** The same rows in both databases: one datastore/version, and 1000 ACTIVE/HEALTHY instances for TENANT_1000 (baseline §9.5). */
async function seed(models: TroveModels): Promise<void> {
  const datastoreId = randomUUID();
  const versionId = randomUUID();
  await models.datastores.create({ id: datastoreId, name: 'mysql', default_version_id: null });
  await models.datastoreVersions.create({ id: versionId, datastore_id: datastoreId, name: '5.7.29', version: '5.7.29', manager: 'mysql', image_id: '00000000-0000-4000-8000-000000000001', image_tags: null, packages: '', active: true });
  await models.datastores.update({ default_version_id: versionId }, { where: { id: datastoreId } });
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const instances = Array.from({ length: 1000 }, (_, index) => ({
    id: randomUUID(), created: now, updated: now, name: `bench-${String(index).padStart(5, '0')}`, compute_instance_id: randomUUID(),
    task_id: 1, task_description: 'No tasks for the instance.', volume_id: randomUUID(), flavor_id: '2', volume_size: 1, tenant_id: TENANT_1000,
    server_status: 'ACTIVE', deleted: false, datastore_version_id: versionId, region_id: 'RegionOne',
  }));
  await models.instances.bulkCreate(instances);
  await models.serviceStatuses.bulkCreate(instances.map((instance) => ({ id: randomUUID(), instance_id: instance.id, status_id: 0x21, status_description: 'healthy', updated_at: now })));
}

async function waitForHttp(url: string, headers: Record<string, string>, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { headers });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  throw new Error(`${name} did not answer ${url}`);
}

interface Measured extends LoadResult {
  cpuMsPerRequest: number;
  foreignCores: number;
}

async function measure(pid: number, url: string, tenant: string, total: number, concurrency: number, warmup: number): Promise<Measured> {
  const cpu0 = treeCpuSeconds(pid);
  const busy0 = machineBusySeconds();
  const client0 = process.cpuUsage();
  const started = Date.now();
  const result = await runLoad(url, { 'X-Auth-Token': tenant, Accept: 'application/json' }, total, concurrency, warmup);
  const wall = (Date.now() - started) / 1000;
  const server = treeCpuSeconds(pid) - cpu0;
  const client = process.cpuUsage(client0);
  const foreign = (machineBusySeconds() - busy0 - server - (client.user + client.system) / 1e6) / wall;
  return { ...result, cpuMsPerRequest: (server * 1000) / (total + warmup), foreignCores: Math.max(0, foreign) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;

async function main(): Promise<void> {
  const reps = Number(process.env['BENCH_REPS'] ?? 2);
  const scale = Number(process.env['BENCH_SCALE'] ?? 1);
  const workDir = mkdtempSync(join(tmpdir(), 'trove-ts-api-bench-'));
  const suffix = randomBytes(4).toString('hex');
  const databases = { ts: `trove_bench_ts_${suffix}`, stock: `trove_bench_stock_${suffix}` };
  const children: ChildProcess[] = [];
  const admin = await adminConnection();
  try {
    await ensureStockTrove(log);
    for (const name of Object.values(databases)) await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    const urlOf = (name: string) => `${testServerUrl()}/${name}?charset=utf8`;
    const [stockPort, tsPort] = [await freePort(), await freePort()];
    const stock = await prepareStockTrove({ workDir, port: stockPort, databaseUrl: urlOf(databases.stock).replace('mysql://', 'mysql+pymysql://'), exchange: `bench_stock_${suffix}` });
    log('schema: trove-ts migrations and stock db_sync');
    await stock.dbSync();
    for (const [name, migrate] of [[databases.ts, true], [databases.stock, false]] as const) {
      const database = await openDatabase({ ...defaultConfig().database, connection: urlOf(name) });
      if (migrate) await runMigrations(database.sequelize);
      await seed(database.models);
      await database.close();
    }
    const tsConfig = join(workDir, 'trove-ts.conf');
    writeFileSync(tsConfig, [
      '[DEFAULT]', 'bind_host = 127.0.0.1', `bind_port = ${tsPort}`, 'auth_strategy = noauth', 'compute_backend = local-process',
      `taskmanager_rpc_encr_key = ${randomBytes(24).toString('hex')}`, `inst_rpc_key_encr_key = ${randomBytes(24).toString('hex')}`,
      'transport_url = rabbit://guest:guest@127.0.0.1:5672/', `control_exchange = bench_ts_${suffix}`,
      'http_get_rate = 100000000', 'http_post_rate = 100000000', 'http_put_rate = 100000000', 'http_delete_rate = 100000000',
      '[database]', `connection = ${urlOf(databases.ts)}`, '',
    ].join('\n'));
    log('starting stock trove-api and trove-ts trove-api (2 workers each)');
    const stockChild = stock.start();
    const tsChild = spawn(process.execPath, [API_MAIN, '--config-file', tsConfig], { stdio: 'ignore' });
    children.push(stockChild, tsChild);
    const servers = [
      { name: 'stock', pid: stockChild.pid as number, base: `http://127.0.0.1:${stockPort}` },
      { name: 'trove-ts', pid: tsChild.pid as number, base: `http://127.0.0.1:${tsPort}` },
    ];
    for (const server of servers) {
      await waitForHttp(`${server.base}/v1.0/${TENANT_EMPTY}/datastores`, { 'X-Auth-Token': TENANT_EMPTY }, server.name === 'stock' ? stockChild : tsChild, server.name);
    }
    const idle = Object.fromEntries(servers.map((server) => [server.name, treeMemoryMb(server.pid)]));
    const scenarios = [
      { name: 'datastores c=1', path: `/v1.0/${TENANT_EMPTY}/datastores`, tenant: TENANT_EMPTY, total: 1000 * scale, concurrency: 1, warmup: 50 },
      { name: 'datastores c=16', path: `/v1.0/${TENANT_EMPTY}/datastores`, tenant: TENANT_EMPTY, total: 2000 * scale, concurrency: 16, warmup: 100 },
      { name: 'instances (1000 rows) c=1', path: `/v1.0/${TENANT_1000}/instances`, tenant: TENANT_1000, total: 150 * scale, concurrency: 1, warmup: 10 },
      { name: 'instances (1000 rows) c=16', path: `/v1.0/${TENANT_1000}/instances`, tenant: TENANT_1000, total: 320 * scale, concurrency: 16, warmup: 32 },
    ];
    const results: Record<string, Record<string, Measured[]>> = {};
    for (const scenario of scenarios) {
      results[scenario.name] = { stock: [], 'trove-ts': [] };
      for (let rep = 0; rep < reps; rep++) {
        for (const server of rep % 2 === 0 ? servers : [...servers].reverse()) {
          const measured = await measure(server.pid, `${server.base}${scenario.path}`, scenario.tenant, scenario.total, scenario.concurrency, scenario.warmup);
          const ok = measured.statuses['200'] ?? 0;
          if (ok !== scenario.total) throw new Error(`${server.name} ${scenario.name}: ${JSON.stringify(measured.statuses)}`);
          results[scenario.name]![server.name]!.push(measured);
          log(`${scenario.name} ${server.name}: ${measured.rps.toFixed(1)} req/s p50 ${measured.p50Ms.toFixed(2)} ms p99 ${measured.p99Ms.toFixed(2)} ms cpu ${measured.cpuMsPerRequest.toFixed(2)} ms/req foreign ${measured.foreignCores.toFixed(2)}`);
        }
      }
    }
    const busy = Object.fromEntries(servers.map((server) => [server.name, treeMemoryMb(server.pid)]));
    console.log(`\nGET benchmark, medians of ${reps} alternated runs (2 CPUs, both servers with 2 workers; CPU = server process tree)\n`);
    console.log('| scenario | server | req/s | p50 ms | p99 ms | CPU ms/req | bytes | foreign cores |');
    console.log('|---|---|---|---|---|---|---|---|');
    const summary: Record<string, unknown> = {};
    for (const scenario of scenarios) {
      const row = (name: string) => {
        const runs = results[scenario.name]![name]!;
        return { rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50Ms)), p99: median(runs.map((r) => r.p99Ms)), cpu: median(runs.map((r) => r.cpuMsPerRequest)), bytes: runs[0]!.bytesPerResponse, foreign: median(runs.map((r) => r.foreignCores)) };
      };
      const stockRow = row('stock');
      const tsRow = row('trove-ts');
      for (const [name, values] of [['stock', stockRow], ['trove-ts', tsRow]] as const) {
        console.log(`| ${scenario.name} | ${name} | ${values.rps.toFixed(1)} | ${values.p50.toFixed(2)} | ${values.p99.toFixed(2)} | ${values.cpu.toFixed(2)} | ${values.bytes} | ${values.foreign.toFixed(2)} |`);
      }
      console.log(`| ${scenario.name} | **ratio ts/stock** | **${(tsRow.rps / stockRow.rps).toFixed(1)}x** | ${(tsRow.p50 / stockRow.p50).toFixed(3)} | ${(tsRow.p99 / stockRow.p99).toFixed(3)} | ${(tsRow.cpu / stockRow.cpu).toFixed(3)} | | |`);
      summary[scenario.name] = { stock: stockRow, 'trove-ts': tsRow };
    }
    console.log('\n| server | processes | RSS idle MB | PSS idle MB | RSS after MB | PSS after MB |');
    console.log('|---|---|---|---|---|---|');
    for (const server of servers) {
      const before = idle[server.name]!;
      const after = busy[server.name]!;
      console.log(`| ${server.name} | ${after.processes} | ${before.rssMb.toFixed(0)} | ${before.pssMb.toFixed(0)} | ${after.rssMb.toFixed(0)} | ${after.pssMb.toFixed(0)} |`);
    }
    console.log(`\n${JSON.stringify({ summary, memory: { idle, busy } })}`);
  } finally {
    for (const child of children) if (child.exitCode === null && child.pid !== undefined) child.kill('SIGTERM');
    await sleep(3000);
    for (const child of children) if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    for (const name of Object.values(databases)) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined);
    await admin.end();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
