/**
 * Benchmark of images/guest/build: prints the wall time of a cold build (empty diskimage-builder cache,
 * with --cold), a warm rebuild (cached debootstrap tarball and .debs, --force), and a cached run (inputs
 * unchanged: the image is reused), plus the image's size. Figures, not assertions. Run as root:
 *
 *   node dist-image/test/bench/guest-image/build-time.js [--cold] [--output-dir DIR]
 *
 * It builds a separate image name (trove-guest-bench) so the real images are never replaced.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from '../../integration/guest-image/run.js';

const args = process.argv.slice(2);
const cold = args.includes('--cold');
const outputIndex = args.indexOf('--output-dir');
const outputDir = outputIndex >= 0 ? (args[outputIndex + 1] ?? '') : '/var/lib/trove/images';
const build = join(repoRoot(), 'images/guest/build');
const common = ['--name', 'trove-guest-bench', '--output-dir', outputDir];

async function timed(label: string, extra: string[]): Promise<{ label: string; seconds: number; qcow2: string }> {
  const started = process.hrtime.bigint();
  const result = await run(build, [...common, ...extra], { timeoutMs: 3 * 60 * 60_000 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.code !== 0) throw new Error(`${label} failed:\n${result.stderr.slice(-3000)}`);
  return { label, seconds, qcow2: result.stdout.trim().split('\n').pop() ?? '' };
}

const rows: Array<{ label: string; seconds: number; qcow2: string }> = [];
console.log(`host: ${cpus().length} CPUs, load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
if (cold) {
  const cache = mkdtempSync(join(tmpdir(), 'trove-dib-cache-'));
  try {
    rows.push(await timed('cold (empty DIB cache)', ['--force', '--cache-dir', cache]));
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
rows.push(await timed('warm (cached debootstrap + .debs), forced rebuild', ['--force']));
rows.push(await timed('cached (inputs unchanged, image reused)', []));

const meta = JSON.parse(readFileSync(rows[rows.length - 1]!.qcow2.replace(/\.qcow2$/, '.json'), 'utf8')) as { size_bytes: number; virtual_size_bytes: number };
for (const row of rows) console.log(`${row.label.padEnd(52)} ${row.seconds.toFixed(1).padStart(8)} s`);
console.log(`image ${rows[rows.length - 1]!.qcow2}: ${(meta.size_bytes / 2 ** 20).toFixed(0)} MiB on disk, ${(meta.virtual_size_bytes / 2 ** 20).toFixed(0)} MiB virtual`);
console.log(`load average after: ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
