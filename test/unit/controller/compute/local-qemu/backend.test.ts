/**
 * The local-qemu backend on a fake host (no qemu runs): what a create writes and launches, the status of a VM
 * through its boot, adoption by a restarted controller, reboot, resize, rebuild, delete, volumes, and the
 * refusals that leave nothing behind.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { defaultConfig } from '../../../../../shared/config/index.js';
import { ConfigError, TroveError } from '../../../../../shared/errors/index.js';
import { silentLogger } from '../../../../../shared/logging/index.js';
import { parseWriteFiles } from '../../../../../controller/compute/local-process/index.js';
import { createLocalQemuBackend, type LocalQemuBackend } from '../../../../../controller/compute/local-qemu/index.js';
import { ServerStatus, type CreateServerRequest } from '../../../../../controller/compute/ports.js';
import { TempDir } from '../../../../helpers/tmp.js';
import { FakeQemuHost } from './fake-host.js';

const GIB = 2 ** 30;
const BOOTED = 'Cloud-init v. 22.4.2 finished at Wed, 25 Nov 2026 13:00:00 +0000. Datasource DataSourceNoCloud.  Up 95.31 seconds\n';

function valueOf(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index < 0 ? undefined : args[index + 1];
}

describe('local-qemu backend', () => {
  let tmp: TempDir;
  let host: FakeQemuHost;
  let clock: number;
  let backend: LocalQemuBackend;
  const third = 1 + Math.floor(Math.random() * 250);

  function build(overrides: Record<string, Record<string, unknown>> = {}): LocalQemuBackend {
    const config = defaultConfig({
      DEFAULT: { transport_url: 'rabbit://guest:guest@127.0.0.1:5672/' },
      local_compute: { state_dir: tmp.join('state'), address_range: `127.10.${third}.0/24` },
      local_qemu: { image_dir: tmp.join('images'), accel: 'tcg', ready_timeout: 600, shutdown_timeout: 30, ...(overrides['local_qemu'] ?? {}) },
      ...Object.fromEntries(Object.entries(overrides).filter(([section]) => section !== 'local_qemu')),
    });
    return createLocalQemuBackend(config, silentLogger(), {
      host,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      hostCpus: 2,
    });
  }

  function request(instanceId: string, extra: Partial<CreateServerRequest> = {}): CreateServerRequest {
    return {
      name: 'db1',
      imageId: 'trove-guest',
      flavorId: '3',
      nics: [],
      boot: {
        files: [
          { path: '/etc/trove/conf.d/guest_info.conf', content: `[DEFAULT]\nguest_id = ${instanceId}\ndatastore_manager = mariadb\ndatastore_version = 10.11\ninstance_rpc_encr_key = ${'s'.repeat(32)}\n`, owner: 'root:root' },
          { path: '/etc/trove/conf.d/trove-guestagent.conf', content: '[DEFAULT]\nreport_interval = 10\n', owner: 'root:root' },
        ],
      },
      metadata: { trove_instance_id: instanceId, trove_project_id: 'p', trove_user_id: 'p' },
      configDrive: false,
      ...extra,
    };
  }

  function launches(): string[][] {
    return host.callsOf('launch').map((call) => call[0] as string[]);
  }

  function booted(serverId: string): void {
    appendFileSync(backend.layout.consoleLog(serverId), BOOTED);
  }

  beforeEach(() => {
    tmp = new TempDir();
    host = new FakeQemuHost();
    clock = Date.parse('2026-11-25T12:00:00Z');
    for (const ext of ['qcow2', 'vmlinuz', 'initrd']) tmp.write(`images/trove-guest-aaaa.${ext}`, ext);
    tmp.write('images/trove-guest-aaaa.json', JSON.stringify({ name: 'trove-guest', hash: 'aaaa', qcow2: 'trove-guest-aaaa.qcow2', vmlinuz: 'trove-guest-aaaa.vmlinuz', initrd: 'trove-guest-aaaa.initrd', root_label: 'cloudimg-rootfs', virtual_size_bytes: 2.5 * GIB, built_at: '2026-11-25T10:00:00Z' }));
    symlinkSync('trove-guest-aaaa.json', tmp.join('images/trove-guest.json'));
    tmp.write('images/warm/trove-guest-aaaa-k1.qcow2', 'warm');
    tmp.write('images/warm/trove-guest-aaaa-k1.json', JSON.stringify({ guest_name: 'trove-guest', guest_hash: 'aaaa', qcow2: 'trove-guest-aaaa-k1.qcow2', images: [{ ref: 'trove/mariadb:10.11', id: 'sha256:1' }], virtual_size_bytes: 4 * GIB, created_at: '2026-11-25T11:00:00Z' }));
    backend = build();
  });

  afterEach(() => tmp.cleanup());

  it('creates a VM: overlay on the warm base, seed with the guest files, forwarded address, volume as vdb', async () => {
    const volume = await backend.volumes.createVolume({ name: 'trove-i', sizeGb: 2 });
    expect(host.callsOf('qemuImg')[0]![0]).to.deep.equal(['create', '-q', '-f', 'qcow2', backend.volumes.diskPath(volume.id), String(2 * GIB)]);
    const instanceId = randomUUID();
    const server = await backend.compute.createServer(request(instanceId, { volume: { volumeId: volume.id, deviceName: 'vdb', sizeGb: 2, deleteOnTermination: true } }));
    expect(server.status).to.equal(ServerStatus.BUILD);
    const address = server.addresses['local']![0]!.address;
    expect(address).to.equal(`127.10.${third}.1`);

    const overlay = host.callsOf('qemuImg')[1]![0] as string[];
    expect(overlay).to.deep.equal(['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', tmp.join('images/warm/trove-guest-aaaa-k1.qcow2'), backend.layout.rootDisk(server.id), String(10 * GIB)]);
    const seed = JSON.parse(readFileSync(backend.layout.seedIso(server.id), 'utf8')) as { userData: string; metaData: string };
    expect(seed.metaData).to.equal(`instance-id: trove-${server.id}\nlocal-hostname: ${'trove-' + instanceId.replace(/-/g, '').slice(0, 12)}\n`);
    const files = parseWriteFiles(seed.userData);
    expect(files.map((file) => file.path)).to.deep.equal(['/etc/trove/conf.d/guest_info.conf', '/etc/trove/conf.d/trove-guestagent.conf', '/etc/trove/conf.d/trove-local-qemu.conf']);
    expect(files[2]!.content).to.include('transport_url = rabbit://guest:guest@10.0.2.100:5672/');

    const args = launches()[0]!;
    expect(valueOf(args, '-m')).to.equal('2048');
    expect(valueOf(args, '-smp')).to.equal('2');
    expect(valueOf(args, '-netdev')).to.equal(`user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:5672-cmd:socat STDIO TCP:127.0.0.1:5672,hostfwd=tcp:${address}:3306-:3306`);
    expect(args.filter((arg) => arg.startsWith('if=none,id=volume,'))).to.deep.equal([`if=none,id=volume,file=${backend.volumes.diskPath(volume.id)},format=qcow2,discard=unmap`]);
    expect(valueOf(args, '-kernel')).to.equal(tmp.join('images/trove-guest-aaaa.vmlinuz'));
    expect((await backend.volumes.getVolume(volume.id))!.status).to.equal('in-use');
    expect(existsSync(tmp.join(`state/addresses/${address}`))).to.equal(true);

    const again = await backend.compute.createServer(request(instanceId));
    expect(again.id).to.equal(server.id);
    expect(launches()).to.have.length(1);
    expect(await backend.compute.listServers()).to.have.length(1);
  });

  it('stays BUILD until cloud-init finishes on the console, then reports ACTIVE; SHUTOFF when qemu is gone', async () => {
    const server = await backend.compute.createServer(request(randomUUID()));
    appendFileSync(backend.layout.consoleLog(server.id), 'Booting Linux...\n[  40.1] cloud-init[400]: Cloud-init v. 22.4.2 running init-local\n');
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.BUILD);
    booted(server.id);
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.ACTIVE);
    host.crash(backend.layout.pidFile(server.id));
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.SHUTOFF);
  });

  it('takes a database banner on the forwarded port as a finished boot, probing at most every 10 s', async () => {
    const server = await backend.compute.createServer(request(randomUUID()));
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.BUILD);
    host.bannerAnswers = true;
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.BUILD);
    expect(host.callsOf('datastoreAnswers')).to.have.length(1);
    clock += 10_000;
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.ACTIVE);
    expect(host.callsOf('datastoreAnswers')[1]).to.deep.equal([server.addresses['local']![0]!.address, 3306, 'mysql']);
  });

  it('goes to ERROR with a fault when the guest has not booted within ready_timeout, and a reboot clears it', async () => {
    const server = await backend.compute.createServer(request(randomUUID()));
    clock += 599_000;
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.BUILD);
    clock += 2_000;
    const failed = (await backend.compute.getServer(server.id))!;
    expect(failed.status).to.equal(ServerStatus.ERROR);
    expect(failed.fault?.message).to.equal('The guest did not finish booting within 600 s ([local_qemu] ready_timeout).');
    expect(failed.fault?.details).to.include(backend.layout.consoleLog(server.id));
    await backend.compute.rebootServer(server.id, true);
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.HARD_REBOOT);
  });

  it('adopts running VMs after a controller restart and does not take a recycled pid for one', async () => {
    const server = await backend.compute.createServer(request(randomUUID()));
    booted(server.id);
    const restarted = build();
    expect((await restarted.compute.getServer(server.id))!.status).to.equal(ServerStatus.ACTIVE);
    writeFileSync(backend.layout.pidFile(server.id), '1234\n');
    expect((await restarted.compute.getServer(server.id))!.status).to.equal(ServerStatus.SHUTOFF);
  });

  it('reboots softly through the power button and hard by killing qemu, reporting REBOOT/HARD_REBOOT until booted', async () => {
    const server = await backend.compute.createServer(request(randomUUID()));
    booted(server.id);
    const firstPid = await backend.runner.runningPid(server.id);
    await backend.compute.rebootServer(server.id);
    expect(host.callsOf('qmp')).to.deep.equal([[backend.layout.qmpSocket(server.id), 'system_powerdown', undefined]]);
    expect(host.callsOf('kill')).to.have.length(0);
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.REBOOT);
    booted(server.id);
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.ACTIVE);
    const secondPid = await backend.runner.runningPid(server.id);
    expect(secondPid).to.be.a('number').and.not.equal(firstPid);

    await backend.compute.rebootServer(server.id, true);
    expect(host.callsOf('kill')).to.deep.equal([[secondPid, 'SIGTERM']]);
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.HARD_REBOOT);
    expect(launches()).to.have.length(3);
  });

  it('stops qemu when the guest ignores the power button for shutdown_timeout', async () => {
    const server = await backend.compute.createServer(request(randomUUID()));
    const pid = await backend.runner.runningPid(server.id);
    host.obeysPowerButton = false;
    const before = clock;
    await backend.compute.rebootServer(server.id);
    expect(clock - before).to.be.at.least(30_000);
    expect(host.callsOf('kill')).to.deep.equal([[pid, 'SIGTERM']]);
  });

  it('resizes with the new flavor memory and CPUs, grows the root disk while stopped, confirms and reverts', async () => {
    const server = await backend.compute.createServer(request(randomUUID(), { flavorId: '2' }));
    booted(server.id);
    expect(valueOf(launches()[0]!, '-m')).to.equal('1024');
    expect(valueOf(launches()[0]!, '-smp')).to.equal('1');
    host.virtualSize = 5 * GIB;
    await backend.compute.resizeServer(server.id, '4');
    expect(host.callsOf('qemuImg').at(-1)![0]).to.deep.equal(['resize', '-q', '-f', 'qcow2', backend.layout.rootDisk(server.id), String(20 * GIB)]);
    expect(valueOf(launches()[1]!, '-m')).to.equal('4096');
    expect(valueOf(launches()[1]!, '-smp')).to.equal('2');
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.RESIZE);
    booted(server.id);
    const resized = (await backend.compute.getServer(server.id))!;
    expect(resized.status).to.equal(ServerStatus.VERIFY_RESIZE);
    expect(resized.flavorId).to.equal('4');
    await backend.compute.resizeServer(server.id, '3').then(() => expect.fail('resized twice'), (error: TroveError) => expect(error.details?.['status']).to.equal(409));

    await backend.compute.revertResize(server.id);
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.REVERT_RESIZE);
    booted(server.id);
    const reverted = (await backend.compute.getServer(server.id))!;
    expect(reverted).to.deep.include({ status: ServerStatus.ACTIVE, flavorId: '2' });
    expect(valueOf(launches()[2]!, '-m')).to.equal('1024');

    await backend.compute.resizeServer(server.id, '3');
    booted(server.id);
    await backend.compute.confirmResize(server.id);
    expect((await backend.compute.getServer(server.id))!).to.deep.include({ status: ServerStatus.ACTIVE, flavorId: '3' });
    await backend.compute.resizeServer(server.id, '99').then(() => expect.fail('unknown flavor'), (error: Error) => expect(error.message).to.match(/Flavor 99 does not exist/));
  });

  it('applies the [local_qemu] memory_mb override', async () => {
    backend = build({ local_qemu: { memory_mb: 1536 } });
    await backend.compute.createServer(request(randomUUID()));
    expect(valueOf(launches()[0]!, '-m')).to.equal('1536');
  });

  it('rebuilds on a fresh overlay with a new seed and cloud-init instance-id', async () => {
    const server = await backend.compute.createServer(request(randomUUID()));
    booted(server.id);
    await backend.compute.rebuildServer(server.id, { imageId: 'trove-guest', boot: request('x').boot });
    const seed = JSON.parse(readFileSync(backend.layout.seedIso(server.id), 'utf8')) as { metaData: string };
    expect(seed.metaData).to.include(`instance-id: trove-${server.id}-r1`);
    expect(host.callsOf('qemuImg').filter((call) => (call[0] as string[])[0] === 'create')).to.have.length(2);
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.REBUILD);
    await backend.compute.rebuildServer(server.id, { imageId: 'nope', boot: request('x').boot }).then(() => expect.fail('rebuilt'), (error: Error) => expect(error.message).to.match(/Image nope does not exist/));
  });

  it('deletes: kills qemu by PID, removes disks, seed and state, releases the address and the volume', async () => {
    const volume = await backend.volumes.createVolume({ name: 'trove-i', sizeGb: 1 });
    const kept = await backend.volumes.createVolume({ name: 'trove-j', sizeGb: 1 });
    const server = await backend.compute.createServer(request(randomUUID(), { volume: { volumeId: volume.id, deviceName: 'vdb', sizeGb: 1, deleteOnTermination: true } }));
    const other = await backend.compute.createServer(request(randomUUID(), { volume: { volumeId: kept.id, deviceName: 'vdb', sizeGb: 1, deleteOnTermination: false } }));
    const pid = await backend.runner.runningPid(server.id);
    const address = server.addresses['local']![0]!.address;
    await backend.compute.deleteServer(server.id);
    expect(host.callsOf('kill')[0]).to.deep.equal([pid, 'SIGTERM']);
    expect(existsSync(backend.layout.serverDir(server.id))).to.equal(false);
    expect(existsSync(tmp.join(`state/addresses/${address}`))).to.equal(false);
    expect(await backend.volumes.getVolume(volume.id)).to.equal(undefined);
    expect(existsSync(backend.layout.volumeDir(volume.id))).to.equal(false);
    expect(await backend.compute.getServer(server.id)).to.equal(undefined);
    await backend.compute.deleteServer(server.id);

    await backend.compute.deleteServer(other.id);
    expect((await backend.volumes.getVolume(kept.id))!.status).to.equal('available');
  });

  it('grows a volume offline with qemu-img and online through the running VM monitor; refuses to shrink or delete it in use', async () => {
    const volume = await backend.volumes.createVolume({ name: 'trove-i', sizeGb: 1 });
    await backend.volumes.extendVolume(volume.id, 2);
    expect(host.callsOf('qemuImg').at(-1)![0]).to.deep.equal(['resize', '-q', '-f', 'qcow2', backend.volumes.diskPath(volume.id), String(2 * GIB)]);
    const server = await backend.compute.createServer(request(randomUUID(), { volume: { volumeId: volume.id, deviceName: 'vdb', sizeGb: 2, deleteOnTermination: false } }));
    await backend.volumes.extendVolume(volume.id, 3);
    expect(host.callsOf('qmp').at(-1)).to.deep.equal([backend.layout.qmpSocket(server.id), 'block_resize', { device: 'volume', size: 3 * GIB }]);
    expect((await backend.volumes.getVolume(volume.id))!).to.deep.include({ sizeGb: 3, status: 'in-use' });
    await backend.volumes.extendVolume(volume.id, 1).then(() => expect.fail('shrunk'), (error: Error) => expect(error.message).to.match(/cannot shrink/));
    await backend.volumes.deleteVolume(volume.id).then(() => expect.fail('deleted in use'), (error: TroveError) => expect(error.details?.['status']).to.equal(409));
    await backend.volumes.createVolume({ name: 'x', sizeGb: 0 }).then(() => expect.fail('zero size'), (error: Error) => expect(error.message).to.match(/whole number of GB/));
  });

  it('leaves nothing behind when qemu refuses to start, and refuses unknown images, flavors and datastores', async () => {
    const volume = await backend.volumes.createVolume({ name: 'trove-i', sizeGb: 1 });
    host.launchError = new TroveError('BACKEND_ERROR', 'qemu-system-x86_64 failed (exit 1): could not open disk image');
    const instanceId = randomUUID();
    const error = await backend.compute.createServer(request(instanceId, { volume: { volumeId: volume.id, deviceName: 'vdb', sizeGb: 1, deleteOnTermination: true } })).then(() => undefined, (failure: unknown) => failure);
    expect((error as Error).message).to.match(/could not open disk image/);
    expect(await backend.compute.listServers()).to.have.length(0);
    expect((await backend.volumes.getVolume(volume.id))!.status).to.equal('available');
    expect(existsSync(tmp.join(`state/addresses/127.10.${third}.1`))).to.equal(false);
    host.launchError = undefined;

    const refusals: Array<[Partial<CreateServerRequest>, RegExp]> = [
      [{ imageId: 'trove/mariadb' }, /Image trove\/mariadb does not exist/],
      [{ flavorId: '42' }, /Flavor 42 does not exist/],
      [{ boot: { files: [] } }, /no known datastore_manager/],
      [{ metadata: {} }, /trove_instance_id/],
      [{ volume: { volumeId: 'gone', deviceName: 'vdb', sizeGb: 1, deleteOnTermination: true } }, /Volume gone does not exist/],
    ];
    for (const [extra, message] of refusals) {
      await backend.compute.createServer(request(randomUUID(), extra)).then(() => expect.fail(`created with ${JSON.stringify(extra)}`), (failure: Error) => expect(failure.message).to.match(message));
    }
    host.programs.delete('socat');
    await backend.compute.createServer(request(randomUUID())).then(() => expect.fail('created without socat'), (failure: Error) => expect(failure.message).to.match(/socat is not installed/));
    expect(launches()).to.have.length(1);
    expect(await backend.compute.listServers()).to.have.length(0);
  });

  it('forwards the PostgreSQL port for postgresql instances', async () => {
    const base = request(randomUUID());
    const files = base.boot.files.map((file) => (file.path.endsWith('guest_info.conf') ? { ...file, content: file.content.replace('mariadb', 'postgresql') } : file));
    const server = await backend.compute.createServer({ ...base, boot: { files } });
    expect(valueOf(launches()[0]!, '-netdev')).to.match(new RegExp(`hostfwd=tcp:${server.addresses['local']![0]!.address}:5432-:5432$`));
  });

  it('refuses a broker guest address outside qemu user network and a state_dir too deep for monitor sockets', () => {
    for (const address of ['10.0.2.2', '10.0.2.15', '192.168.1.1', 'x']) {
      expect(() => build({ local_qemu: { broker_guest_address: address } })).to.throw(ConfigError, /broker_guest_address/);
    }
    const deep = defaultConfig({ local_compute: { state_dir: `/${'d'.repeat(80)}` } });
    expect(() => createLocalQemuBackend(deep, silentLogger(), { host })).to.throw(ConfigError, /too long/);
  });
});
