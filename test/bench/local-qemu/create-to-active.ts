/**
 * Benchmark of the local-qemu backend: the guest image build (cold: empty diskimage-builder cache; cached:
 * warm cache, forced rebuild; reuse: inputs unchanged) and its size, the warm base, and create → ACTIVE of a
 * MariaDB instance through the stock CLI on local-qemu (median of 3, one VM at a time) next to the same on
 * local-process. Prints figures; asserts nothing. Run as root on a host set up by .ci/setup-host:
 *
 *   node dist/test/bench/local-qemu/create-to-active.js [--build] [--runs N]
 *
 * Without --build the image figures are read from the last build's JSON (images/guest/build records its
 * build seconds and size); with it, three builds of a throw-away image name run in a temporary directory.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from '../../helpers/stack.js';
import { openstackJson, openstackOk, waitForGone, waitForStatus } from '../../e2e/helpers/cli.js';
import { GUEST_IMAGE, IMAGE_DIR, createQemuStack, ensureVmImages, guestManifest, runScript, stopVms } from '../../e2e/local-qemu/vm-helpers.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 3) || 3;
const log = (line: string) => process.stderr.write(`${line}\n`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
}

/** Three builds of a throw-away image: cold cache, warm cache (forced), unchanged inputs (reused). */
async function measureBuilds(): Promise<Array<[string, string]>> {
  const dir = mkdtempSync(join(tmpdir(), 'trove-bench-image-'));
  try {
    const common = ['--output-dir', join(dir, 'out'), '--name', 'trove-guest-bench', '--work-dir', join(dir, 'work')];
    const cold = await timed(() => runScript('images/guest/build', [...common, '--cache-dir', join(dir, 'cache'), '--force'], 120 * 60_000, log));
    const cached = await timed(() => runScript('images/guest/build', [...common, '--cache-dir', join(dir, 'cache'), '--force'], 120 * 60_000, log));
    const reused = await timed(() => runScript('images/guest/build', [...common, '--cache-dir', join(dir, 'cache')], 30 * 60_000, log));
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'trove-guest-bench.json'), 'utf8')) as { size_bytes: number; virtual_size_bytes: number };
    return [
      ['guest image build, cold (empty diskimage-builder cache)', `${cold.seconds.toFixed(0)} s`],
      ['guest image build, cached (warm cache, --force)', `${cached.seconds.toFixed(0)} s`],
      ['guest image build, inputs unchanged (reused)', `${reused.seconds.toFixed(1)} s`],
      ['guest image size (qcow2 on disk / virtual)', `${mib(manifest.size_bytes)} / ${mib(manifest.virtual_size_bytes)}`],
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates a MariaDB instance `runs` times (one at a time) and returns the seconds to ACTIVE of each. */
async function createToActive(stack: Stack, flavor: string, timeoutMs: number): Promise<number[]> {
  const seconds: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const started = performance.now();
    const created = await openstackJson<Record<string, unknown>>(stack, ['database', 'instance', 'create', `bench-${run}`, '--flavor', flavor, '--size', '1', '--datastore', 'mariadb', '--datastore-version', '10.11']);
    const id = String(created['id']);
    await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs });
    seconds.push((performance.now() - started) / 1000);
    log(`  run ${run}: ACTIVE after ${(seconds.at(-1) as number).toFixed(1)} s`);
    await openstackOk(stack, ['database', 'instance', 'delete', id]);
    await waitForGone(stack, id, 10 * 60_000);
  }
  return seconds;
}

async function main(): Promise<void> {
  const rows: Array<[string, string]> = [];
  if (args.includes('--build')) rows.push(...(await measureBuilds()));
  const images = await ensureVmImages(log);
  const guest = guestManifest();
  const warm = JSON.parse(readFileSync(join(IMAGE_DIR, 'warm', `${GUEST_IMAGE}.json`), 'utf8')) as { warm_up_seconds: number; size_bytes: number; accel: string };
  if (!args.includes('--build')) {
    rows.push([`guest image build (last build of ${GUEST_IMAGE}, from its JSON)`, `${guest.build_seconds} s`]);
    rows.push(['guest image size (qcow2 on disk / virtual)', `${mib(guest.size_bytes)} / ${mib(guest.virtual_size_bytes)}`]);
  }
  rows.push([`warm base: warm-up boot (${warm.accel}) / size`, `${warm.warm_up_seconds} s / ${mib(warm.size_bytes)}`]);
  log(`images: ${images.qcow2}, ${images.warm}`);

  log(`local-qemu: ${runs} instances, one at a time`);
  const qemu = await createQemuStack({ progress: log });
  let qemuSeconds: number[];
  try {
    await qemu.start();
    qemuSeconds = await createToActive(qemu, '3', 30 * 60_000);
  } finally {
    await stopVms(qemu).catch(() => 0);
    await qemu.teardown();
  }
  log(`local-process: ${runs} instances, one at a time`);
  const local = await Stack.create({ progress: log });
  let localSeconds: number[];
  try {
    await local.start();
    localSeconds = await createToActive(local, '3', 5 * 60_000);
  } finally {
    await local.teardown();
  }
  rows.push([`create → ACTIVE, local-qemu (MariaDB 10.11, flavor 3, median of ${runs})`, `${median(qemuSeconds).toFixed(1)} s (${qemuSeconds.map((s) => s.toFixed(1)).join(', ')})`]);
  rows.push([`create → ACTIVE, local-process (same, median of ${runs})`, `${median(localSeconds).toFixed(1)} s (${localSeconds.map((s) => s.toFixed(1)).join(', ')})`]);
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`\nlocal-qemu benchmark (${new Date().toISOString()})`);
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
