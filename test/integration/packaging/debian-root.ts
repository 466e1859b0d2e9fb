/**
 * A throw-away Debian 12 root for package tests: `dpkg -i` into it with `chroot`, so the test exercises the
 * real maintainer scripts (adduser, dpkg-divert, conffiles, purge) without touching this machine's own
 * package database, users or /var/lib/trove, which other work on the same machine uses (stock Trove
 * packages, guest images). The base (debootstrap minbase + adduser, init-system-helpers, systemd, procps,
 * from the apt mirror this machine uses) is cached as a tarball; each root is a fresh copy with /proc and
 * /dev mounted. Processes in the root share the host's network, so they reach 127.0.0.1 services.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from '../guest-image/run.js';

const cacheDir = process.env['TROVE_PKGTEST_CACHE'] ?? '/var/cache/trove-ts/pkgtest';
const baseTarball = join(cacheDir, 'bookworm-root.tar');
const includes = 'adduser,init-system-helpers,systemd,procps';

async function must(what: string, result: Promise<RunResult>): Promise<string> {
  const done = await result;
  if (done.code !== 0) throw new Error(`${what} failed (${done.code}):\n${done.stdout}\n${done.stderr}`.slice(0, 6000));
  return done.stdout;
}

/** The Debian mirror from this machine's apt sources (the guest image build's own reader). */
async function debianMirror(repo: string): Promise<string> {
  const script = `. '${repo}/images/guest/lib/log.sh'; . '${repo}/images/guest/lib/host.sh'; find_debian_mirrors; printf '%s' "$DEBIAN_MIRROR"`;
  return (await must('reading the apt mirror', run('bash', ['-c', script]))).trim();
}

/** A Debian 12 root in `path`; call `dispose()` in `after`. */
export class DebianRoot {
  private mounted: string[] = [];

  private constructor(readonly path: string) {}

  /** Makes the base tarball if needed, unpacks it into `path` and mounts /proc and /dev. */
  static async create(path: string, repo: string): Promise<DebianRoot> {
    if (!existsSync(baseTarball)) {
      mkdirSync(join(cacheDir, 'debs'), { recursive: true });
      const staging = `${baseTarball}.build`;
      rmSync(staging, { recursive: true, force: true });
      const mirror = await debianMirror(repo);
      await must(
        'debootstrap',
        run('debootstrap', ['--variant=minbase', `--include=${includes}`, `--cache-dir=${join(cacheDir, 'debs')}`, 'bookworm', staging, mirror], { timeoutMs: 30 * 60_000 }),
      );
      await must('packing the base root', run('tar', ['--numeric-owner', '-C', staging, '-cf', `${baseTarball}.tmp`, '.']));
      await must('publishing the base root', run('mv', ['-f', `${baseTarball}.tmp`, baseTarball]));
      rmSync(staging, { recursive: true, force: true });
    }
    mkdirSync(path, { recursive: true });
    await must('unpacking the base root', run('tar', ['--numeric-owner', '-C', path, '-xf', baseTarball]));
    const root = new DebianRoot(path);
    await must('mounting /proc', run('mount', ['-t', 'proc', 'proc', join(path, 'proc')]));
    root.mounted.unshift(join(path, 'proc'));
    await must('binding /dev', run('mount', ['--bind', '/dev', join(path, 'dev')]));
    root.mounted.unshift(join(path, 'dev'));
    return root;
  }

  /** A path inside the root, as seen from the host. */
  at(inside: string): string {
    return join(this.path, inside);
  }

  /**
   * The environment of a process in the root: a fresh system's, not this host's (whose variables name
   * files the root does not have, such as a CA bundle Node.js would warn about).
   */
  static readonly env: NodeJS.ProcessEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/root' };

  /** Runs a command inside the root. */
  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return run('chroot', [this.path, command, ...args], { env: DebianRoot.env, ...options });
  }

  /** Unmounts and deletes the root; refuses to delete while anything is still mounted below it. */
  async dispose(): Promise<void> {
    for (const mount of this.mounted) await run('umount', ['-l', mount]);
    this.mounted = [];
    const left = await run('findmnt', ['-rn', '-o', 'TARGET']);
    const below = left.stdout.split('\n').filter((target) => target.startsWith(`${this.path}/`));
    if (below.length > 0) throw new Error(`not deleting ${this.path}: still mounted: ${below.join(', ')}`);
    rmSync(this.path, { recursive: true, force: true });
  }
}
