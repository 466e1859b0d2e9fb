/**
 * Builds the guest image (or reuses the cached one) and boots it once under qemu TCG with a NoCloud seed,
 * the way the local-qemu backend will: a copy-on-write overlay, `-netdev user,restrict=on` whose only
 * way out is a guestfwd to this host's RabbitMQ on 127.0.0.1:5672. A probe unit from the seed reports on
 * the serial console what the image did: cloud-init wrote /etc/trove/conf.d/guest_info.conf, the agent
 * unit started on the bundled Node runtime, Docker runs with the merged daemon.json, the preloaded image
 * was loaded. The agent may fail to get further (no volume, no controller): that is not this test's
 * business. Slow (a cold image build takes 5-15 min, the boot 3-6 min), so it runs only with
 * TROVE_VM_TESTS=1. qemu is killed by its PID if anything goes wrong.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { TempDir } from '../../helpers/tmp.js';
import { hasCommand, repoRoot, run } from './run.js';

const enabled = process.env['TROVE_VM_TESTS'] === '1';
const root = repoRoot();
const imageDir = process.env['TROVE_GUEST_IMAGE_DIR'] ?? '/var/lib/trove/images';
const imageName = 'trove-guest-itest';
// A one-file image kept on the host between runs, so its id (an input of the image hash) is stable.
const probeImage = 'trove-itest/preload-probe:1';

/** The probe the seed installs: waits for the agent unit, reports, powers the VM off. */
function probeScript(guestId: string): string {
  return `#!/bin/bash
say() { printf 'TROVE-PROBE %s\\n' "$*" > /dev/ttyS0; }
for _ in $(seq 150); do
  [ "$(systemctl show -p ExecMainStartTimestampMonotonic --value trove-guestagent)" != 0 ] && break
  sleep 2
done
# Node starts slowly under TCG: wait for the agent's first log line (or give up after 3 minutes).
for _ in $(seq 90); do
  journalctl -u trove-guestagent -o cat --no-pager | grep -q '"name":"trove-guestagent"' && break
  sleep 2
done
say "guest-info $(grep -c '^guest_id = ${guestId}$' /etc/trove/conf.d/guest_info.conf) $(stat -c %a /etc/trove/conf.d)"
say "agent $(systemctl show -p ExecStart -p ExecMainStartTimestampMonotonic -p NRestarts trove-guestagent | tr '\\n' ' ')"
say "node $(/opt/trove-guestagent/node/bin/node --version)"
say "database $(id -u database):$(id -g database)"
say "docker $(systemctl is-active docker)"
say "daemon-json $(jq -c -S . /etc/docker/daemon.json)"
say "preload $(systemctl show -p Result --value trove-preload-images) $(docker image inspect --format '{{.Id}}' ${probeImage})"
say "preload-left $(ls -A /var/lib/trove/preload | wc -l)"
journalctl -u trove-guestagent --no-pager -o cat -n 20 | sed 's/^/TROVE-PROBE journal /' > /dev/ttyS0
say DONE
systemctl poweroff
`;
}

function userData(guestId: string, exchange: string): string {
  const indent = (text: string) => text.split('\n').map((line) => `      ${line}`).join('\n');
  return `#cloud-config
write_files:
  - path: /etc/trove/conf.d/guest_info.conf
    permissions: '0640'
    content: |
${indent(`[DEFAULT]\nguest_id = ${guestId}\ndatastore_manager = mariadb\ndatastore_version = 10.11\ntenant_id = itest\ninstance_rpc_encr_key = ${randomBytes(16).toString('hex')}`)}
  - path: /etc/trove/conf.d/trove-guestagent.conf
    permissions: '0640'
    content: |
${indent(`[DEFAULT]\ntransport_url = rabbit://guest:guest@10.0.2.100:5672/\ncontrol_exchange = ${exchange}`)}
  - path: /etc/docker/daemon.json
    content: '{"insecure-registries": ["10.0.2.100:5000"]}'
  - path: /usr/local/sbin/trove-itest-probe
    permissions: '0755'
    content: |
${indent(probeScript(guestId))}
  - path: /etc/systemd/system/trove-itest-probe.service
    content: |
${indent('[Unit]\nAfter=trove-guestagent.service trove-preload-images.service\n[Service]\nType=oneshot\nExecStart=/usr/local/sbin/trove-itest-probe')}
runcmd:
  - [systemctl, start, --no-block, trove-itest-probe.service]
`;
}

/** "TROVE-PROBE <key> <value>" lines of the serial log, by key (journal lines collected). */
function probeReport(serial: string): { values: Map<string, string>; journal: string[] } {
  const values = new Map<string, string>();
  const journal: string[] = [];
  for (const match of serial.matchAll(/TROVE-PROBE (\S+) ?(.*?)\r?$/gm)) {
    const [, key = '', value = ''] = match;
    if (key === 'journal') journal.push(value);
    else values.set(key, value);
  }
  return { values, journal };
}

(enabled ? describe : describe.skip)('guest image: build and one boot under qemu TCG (TROVE_VM_TESTS=1)', function () {
  this.timeout(2 * 60 * 60_000);
  // Made in `before`: a skipped suite still runs this body, and would leave an empty directory behind.
  let tmp!: TempDir;
  let qcow2 = '';
  let qemu: ChildProcess | undefined;

  const buildArgs = ['--name', imageName, '--output-dir', imageDir, '--preload-image', probeImage];

  before(async () => {
    tmp = new TempDir('trove-ts-vm-');
    if (process.getuid?.() !== 0) throw new Error('building the guest image needs root');
    for (const tool of ['qemu-system-x86_64', 'qemu-img', 'cloud-localds', 'socat', 'docker']) {
      if (!(await hasCommand(tool))) throw new Error(`${tool} is missing (apt-get install qemu-system-x86 qemu-utils cloud-image-utils socat)`);
    }
    if ((await run('docker', ['image', 'inspect', probeImage])).code !== 0) {
      tmp.write('probe-rootfs/trove-itest-probe.txt', 'preloaded by images/guest/build\n');
      const made = await run('sh', ['-c', `tar -C '${tmp.join('probe-rootfs')}' -c . | docker import - ${probeImage}`]);
      expect(made.code, made.stderr).to.equal(0);
    }
  });

  after(() => {
    if (qemu?.pid !== undefined && qemu.exitCode === null && qemu.signalCode === null) process.kill(qemu.pid, 'SIGKILL');
    tmp.cleanup();
  });

  it('builds the image (or reuses the cached one) with the agent, Docker and a preloaded image', async () => {
    const result = await run(join(root, 'images/guest/build'), buildArgs, { timeoutMs: 100 * 60_000 });
    expect(result.code, result.stderr.slice(-4000)).to.equal(0);
    qcow2 = result.stdout.trim().split('\n').pop() ?? '';
    expect(qcow2).to.match(new RegExp(`/${imageName}-[0-9a-f]{16}\\.qcow2$`));
    const meta = JSON.parse(readFileSync(qcow2.replace(/\.qcow2$/, '.json'), 'utf8')) as { preloaded_images: string[]; dev_mode: boolean };
    expect(meta.preloaded_images).to.deep.equal([probeImage]);
    expect(meta.dev_mode).to.equal(false);
    expect(realpathSync(join(imageDir, `${imageName}.qcow2`))).to.equal(qcow2);
    for (const ext of ['vmlinuz', 'initrd', 'inputs']) expect(existsSync(qcow2.replace(/qcow2$/, ext)), ext).to.equal(true);
  });

  it('reuses the cached image when no input changed', async () => {
    const result = await run(join(root, 'images/guest/build'), buildArgs, { timeoutMs: 30 * 60_000 });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.contain(`reusing ${qcow2}`);
    expect(result.stdout.trim()).to.equal(qcow2);
  });

  it('boots from disk under TCG: cloud-init writes guest_info.conf and the agent unit starts', async () => {
    const guestId = randomUUID();
    const overlay = tmp.join('vm.qcow2');
    const seed = tmp.join('seed.iso');
    const serial = tmp.join('serial.log');
    expect((await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', qcow2, '-F', 'qcow2', overlay, '8G'])).code).to.equal(0);
    tmp.write('user-data', userData(guestId, `trove_vmtest_${randomBytes(4).toString('hex')}`));
    tmp.write('meta-data', `instance-id: ${guestId}\nlocal-hostname: trove-itest\n`);
    const seeded = await run('cloud-localds', [seed, tmp.join('user-data'), tmp.join('meta-data')]);
    expect(seeded.code, seeded.stderr).to.equal(0);

    const started = Date.now();
    qemu = spawn(
      'qemu-system-x86_64',
      [
        '-accel', 'tcg,thread=multi', '-cpu', 'max', '-machine', 'q35', '-smp', '2', '-m', '2048',
        '-display', 'none', '-no-reboot', '-monitor', 'none', '-serial', `file:${serial}`,
        '-drive', `file=${overlay},if=virtio,format=qcow2`,
        '-drive', `file=${seed},if=virtio,format=raw,readonly=on`,
        // restrict=on: nothing leaves qemu except this forward to the host's loopback broker.
        '-netdev', 'user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:5672-cmd:socat STDIO TCP:127.0.0.1:5672',
        '-device', 'virtio-net-pci,netdev=n0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let qemuErrors = '';
    qemu.stderr?.on('data', (chunk: Buffer) => (qemuErrors += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => qemu?.once('exit', (code) => resolve(code)));
    const limitMs = 25 * 60_000;
    const timer = setTimeout(() => qemu?.pid !== undefined && process.kill(qemu.pid, 'SIGKILL'), limitMs);
    const code = await exited;
    clearTimeout(timer);
    const seconds = Math.round((Date.now() - started) / 1000);
    const log = existsSync(serial) ? readFileSync(serial, 'utf8') : '';
    const keep = join(root, 'build/guest-image', `itest-serial-${guestId}.log`);
    mkdirSync(join(root, 'build/guest-image'), { recursive: true });
    if (existsSync(serial)) copyFileSync(serial, keep);
    const where = `(serial log: ${keep}; qemu stderr: ${qemuErrors.trim() || 'empty'})`;
    expect(code, `qemu ended abnormally after ${seconds} s ${where}`).to.equal(0);
    console.log(`      VM lifetime ${seconds} s under TCG; serial log ${keep}`);

    const { values, journal } = probeReport(log);
    expect(values.get('DONE'), `the probe did not finish ${where}`).to.not.equal(undefined);
    expect(log).to.match(/Cloud-init v\. [\d.]+ finished/);
    expect(values.get('guest-info'), `guest_info.conf ${where}`).to.equal('1 750');
    const agent = values.get('agent') ?? '';
    expect(agent).to.contain('path=/opt/trove-guestagent/bin/trove-guestagent').and.to.contain('argv[]=/opt/trove-guestagent/bin/trove-guestagent --config-dir /etc/trove/conf.d');
    expect(agent).to.match(/ExecMainStartTimestampMonotonic=[1-9]\d*/);
    // The agent's own (pino JSON) log lines prove the bundled runtime ran the bundled code.
    expect(journal.some((line) => line.includes('"name":"trove-guestagent"')), `agent journal:\n${journal.join('\n')}`).to.equal(true);
    expect(values.get('node')).to.match(/^v(2[1-9]|[3-9]\d|20\.(19|[2-9]\d))\./);
    expect(values.get('database')).to.equal('1001:1001');
    expect(values.get('docker')).to.equal('active');
    const daemon = JSON.parse(values.get('daemon-json') ?? '{}') as Record<string, unknown>;
    expect(daemon).to.deep.include({ bridge: 'none', iptables: false, 'insecure-registries': ['10.0.2.100:5000'] });
    const probeId = (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', probeImage])).stdout.trim();
    expect(values.get('preload')).to.equal(`success ${probeId}`);
    expect(values.get('preload-left')).to.equal('0');
  });
});
