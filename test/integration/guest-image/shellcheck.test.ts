/**
 * Static checks of the guest image and packaging shell code: every element hook, every script shipped
 * into the image, the build scripts and the package maintainer scripts pass `shellcheck`; the elements
 * follow diskimage-builder's anatomy (README, executable hooks, known dependencies, valid
 * package-installs.yaml).
 */
import { expect } from 'chai';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import yaml from 'js-yaml';
import { TempDir } from '../../helpers/tmp.js';
import { hasCommand, repoRoot, run } from './run.js';

const root = repoRoot();
const elementsDir = join(root, 'dib-elements');
const dibBuiltinElements = '/usr/lib/python3/dist-packages/diskimage_builder/elements';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const isShell = (path: string): boolean => /^#!\s*(\/usr)?\/bin\/(env\s+)?(ba)?sh\b/.test(readFileSync(path, 'utf8').split('\n', 1)[0] ?? '');
const isHook = (path: string): boolean => /\/[a-z-]+\.d\/[^/]+$/.test(path) && !path.includes('/static/');

/** Every shell file this task owns, relative to the repository root. */
function shellFiles(): string[] {
  const element = walk(elementsDir).filter((path) => isHook(path) || isShell(path));
  const guest = [
    join(root, 'images/guest/build'),
    ...walk(join(root, 'images/guest/lib')),
    ...walk(join(root, 'images/guest/host-shims')),
  ];
  const packaging = ['build', 'stage-app', 'deb/preinst', 'deb/postinst', 'deb/prerm', 'deb/postrm'].map((name) => join(root, 'controller/packaging', name));
  return [...element, ...guest, ...packaging].map((path) => relative(root, path)).sort();
}

describe('guest image and packaging shell code', function () {
  this.timeout(120_000);
  const files = shellFiles();

  before(async function () {
    if (!(await hasCommand('shellcheck'))) throw new Error('shellcheck is not installed (apt-get install shellcheck)');
  });

  it('finds the scripts of every element and every build script', () => {
    expect(files).to.include.members([
      'dib-elements/trove-guest-agent/install.d/50-trove-guest-agent',
      'dib-elements/trove-guest-agent/extra-data.d/50-trove-guest-agent',
      'dib-elements/trove-docker/static/usr/lib/trove-guest/docker-config',
      'dib-elements/grub-no-loopback/finalise.d/51-grub-no-loopback',
      'images/guest/build',
      'images/guest/host-shims/kpartx',
      'controller/packaging/build',
      'controller/packaging/deb/postinst',
    ]);
  });

  for (const file of files) {
    it(`shellcheck passes: ${file}`, async () => {
      const result = await run('shellcheck', ['-x', '--severity=style', file], { cwd: root });
      expect(result.stdout + result.stderr, `shellcheck ${file}`).to.equal('');
      expect(result.code).to.equal(0);
    });
  }

  it('shellcheck rejects a script with a quoting bug (the check can fail)', async () => {
    const tmp = new TempDir();
    try {
      const bad = tmp.write('bad', '#!/bin/bash\nrm -rf $1/cache\n');
      const result = await run('shellcheck', ['--severity=style', bad]);
      expect(result.code).to.not.equal(0);
      expect(result.stdout).to.contain('SC2086');
    } finally {
      tmp.cleanup();
    }
  });

  it('every executable file under dib-elements is a shell script (so none escapes the check)', () => {
    const unchecked = walk(elementsDir).filter((path) => isExecutable(path) && !isShell(path));
    expect(unchecked.map((path) => relative(root, path))).to.deep.equal([]);
  });
});

describe('dib-elements anatomy', () => {
  const elements = readdirSync(elementsDir).filter((name) => statSync(join(elementsDir, name)).isDirectory());

  it('has the elements the image build uses', () => {
    expect(elements).to.include.members(['trove-guest-agent', 'trove-docker', 'trove-datastore-images', 'grub-no-loopback', 'trove-guest-dev']);
  });

  for (const element of elements) {
    describe(element, () => {
      const dir = join(elementsDir, element);

      it('has a README.rst that names it', () => {
        expect(readFileSync(join(dir, 'README.rst'), 'utf8')).to.match(new RegExp(`^=+\\n${element}\\n=+`));
      });

      it('does something (hooks, static files or packages), and its hooks are executable', () => {
        const hooks = walk(dir).filter((path) => isHook(path) && !path.includes('/environment.d/'));
        const other = ['static', 'package-installs.yaml'].filter((name) => existsSync(join(dir, name)));
        expect(hooks.length + other.length, 'an element without hooks, static files or packages').to.be.greaterThan(0);
        for (const hook of hooks) expect(isExecutable(hook), relative(root, hook)).to.equal(true);
      });

      const depsFile = join(dir, 'element-deps');
      if (existsSync(depsFile)) {
        it('depends only on elements that exist', () => {
          const deps = readFileSync(depsFile, 'utf8').split('\n').map((line) => line.trim()).filter(Boolean);
          for (const dep of deps) {
            const known = existsSync(join(elementsDir, dep)) || existsSync(join(dibBuiltinElements, dep));
            expect(known, `${element} depends on unknown element ${dep}`).to.equal(true);
          }
        });
      }

      const packagesFile = join(dir, 'package-installs.yaml');
      if (existsSync(packagesFile)) {
        it('has a package-installs.yaml that maps Debian package names', () => {
          const parsed = yaml.load(readFileSync(packagesFile, 'utf8'));
          expect(parsed).to.be.an('object');
          for (const name of Object.keys(parsed as object)) expect(name).to.match(/^[a-z0-9][a-z0-9+.-]+$/);
        });
      }
    });
  }
});
