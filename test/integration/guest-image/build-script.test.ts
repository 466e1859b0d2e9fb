/**
 * images/guest/build without diskimage-builder: bad input is refused with a clear message before anything
 * is written, and the inputs hash (which names and caches the image) is stable for the same inputs and
 * changes with each of them. Uses the real staging of the agent (npm ci + tsc, cached after the first run)
 * and the host's Docker engine for a missing preload image.
 */
import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TempDir } from '../../helpers/tmp.js';
import { repoRoot, run } from './run.js';

const root = repoRoot();
const build = join(root, 'images/guest/build');

describe('images/guest/build: input checks and the inputs hash', function () {
  this.timeout(30 * 60_000);
  const tmp = new TempDir('trove-ts-guest-build-');
  const out = tmp.join('images');
  const hashOf = async (...args: string[]) => {
    const result = await run(build, ['--output-dir', out, '--print-inputs-hash', ...args], { timeoutMs: 25 * 60_000 });
    expect(result.code, result.stderr).to.equal(0);
    return result.stdout.trim();
  };

  after(() => tmp.cleanup());

  for (const [args, message] of [
    [['--bogus'], 'unknown argument: --bogus'],
    [['--name', 'two words'], "--name 'two words'"],
    [['--name'], '--name needs a value'],
    [['--datasources', 'NoCloud;rm -rf /'], '--datasources'],
    [['--extra-size', 'lots'], "--extra-size 'lots': whole GB"],
    [['--keep', '0'], "--keep '0'"],
    [['--source', 'yesterday'], "--source 'yesterday'"],
    [['--preload-image', 'Not A Ref'], "--preload-image 'Not A Ref' is not an image reference"],
    [['--node', '/bin/true'], 'cannot run the agent'],
    [['--node', '/nonexistent/node'], 'is not an executable file'],
  ] as const) {
    it(`refuses ${args.join(' ')} before writing anything`, async () => {
      const result = await run(build, ['--output-dir', out, ...args]);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain('ERROR:').and.to.contain(message);
      expect(existsSync(out) ? readdirSync(out) : []).to.deep.equal([]);
    });
  }

  it('refuses TROVE_GUEST_DEV_MODE values other than 0 and 1', async () => {
    const result = await run(build, ['--output-dir', out], { env: { ...process.env, TROVE_GUEST_DEV_MODE: 'yes' } });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain("TROVE_GUEST_DEV_MODE must be 0 or 1 (got 'yes')");
  });

  it('refuses to preload an image this host does not have, and builds nothing', async () => {
    const result = await run(build, ['--output-dir', out, '--preload-image', 'trove-itest/no-such-image:0'], { timeoutMs: 25 * 60_000 });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('--preload-image trove-itest/no-such-image:0: no such image on this host');
    expect(readdirSync(out).filter((name) => !name.startsWith('.'))).to.deep.equal([]);
  });

  it('gives the same inputs the same hash, and each changed input a different one', async () => {
    const base = await hashOf();
    expect(base).to.match(/^[0-9a-f]{16}$/);
    expect(await hashOf()).to.equal(base);
    const variants = [await hashOf('--dev-mode'), await hashOf('--datasources', 'NoCloud'), await hashOf('--extra-size', '2')];
    expect(new Set([base, ...variants]).size).to.equal(4);
    expect(readdirSync(out).filter((name) => !name.startsWith('.')), 'printing the hash builds nothing').to.deep.equal([]);
  });
});
