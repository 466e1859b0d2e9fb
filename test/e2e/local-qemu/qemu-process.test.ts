/**
 * The local-qemu backend driving real qemu processes, with a stand-in guest that boots in seconds: the guest
 * image's kernel and an initrd whose init prints cloud-init's final line and then spins (it never answers the
 * power button). Real qemu-img, cloud-localds, `qemu -daemonize`, pid file and /proc checks, the console
 * chardev, the QMP socket (power button, online volume growth), user networking whose forwarded port accepts
 * a connection although nothing answers (so readiness needs a banner), kill by PID, and a launch that qemu
 * refuses. Runs unless TROVE_VM_TESTS=0.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { defaultConfig } from '../../../shared/config/index.js';
import { TroveError } from '../../../shared/errors/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { createLocalQemuBackend, datastoreAnswers, initProgram, initrdWith, type LocalQemuBackend } from '../../../controller/compute/local-qemu/index.js';
import { ServerStatus, type CreateServerRequest } from '../../../controller/compute/ports.js';
import { run } from '../../helpers/stack.js';
import { TempDir } from '../../helpers/tmp.js';
import { GUEST_IMAGE, IMAGE_DIR, ensureVmImages, processesMentioning, vmTestsEnabled } from './vm-helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A kernel of a guest image on this machine (building the image when there is none). */
async function guestKernel(): Promise<string> {
  const preferred = join(IMAGE_DIR, `${GUEST_IMAGE}.vmlinuz`);
  if (existsSync(preferred)) return preferred;
  const any = existsSync(IMAGE_DIR) ? readdirSync(IMAGE_DIR).find((entry) => entry.endsWith('.vmlinuz')) : undefined;
  if (any !== undefined) return join(IMAGE_DIR, any);
  await ensureVmImages((line) => console.log(`      [image] ${line}`));
  return preferred;
}

/** True when a TCP connection to `address:port` is accepted. */
function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

(vmTestsEnabled() ? describe : describe.skip)('e2e: local-qemu backend with real qemu processes (stand-in guest)', function () {
  this.timeout(600_000);
  let tmp: TempDir;
  let backend: LocalQemuBackend;
  const third = 1 + Math.floor(Math.random() * 250);

  function build(): LocalQemuBackend {
    const config = defaultConfig({
      DEFAULT: { transport_url: 'rabbit://guest:guest@127.0.0.1:5672/' },
      local_compute: { state_dir: tmp.join('state'), address_range: `127.10.${third}.0/24` },
      local_qemu: { image_dir: tmp.join('images'), memory_mb: 256, shutdown_timeout: 3, ready_timeout: 300 },
    });
    return createLocalQemuBackend(config, silentLogger());
  }

  function request(instanceId: string, extra: Partial<CreateServerRequest> = {}): CreateServerRequest {
    return {
      name: 'standin',
      imageId: 'standin',
      flavorId: '1',
      nics: [],
      boot: { files: [{ path: '/etc/trove/conf.d/guest_info.conf', content: `[DEFAULT]\nguest_id = ${instanceId}\ndatastore_manager = mariadb\n`, owner: 'root:root' }] },
      metadata: { trove_instance_id: instanceId },
      configDrive: false,
      ...extra,
    };
  }

  async function waitStatus(id: string, wanted: ServerStatus, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let status: ServerStatus | undefined;
    while (Date.now() < deadline) {
      status = (await backend.compute.getServer(id))?.status;
      if (status === wanted) return;
      await sleep(500);
    }
    throw new Error(`server ${id} is ${status ?? 'gone'}, not ${wanted}; console:\n${readFileSync(backend.layout.consoleLog(id), 'latin1').slice(-2000)}`);
  }

  before(async () => {
    tmp = new TempDir('trove-qemu-e2e-');
    const kernel = await guestKernel();
    tmp.write('images/.keep', '');
    symlinkSync(kernel, tmp.join('images/standin-s1.vmlinuz'));
    writeFileSync(tmp.join('images/standin-s1.initrd'), initrdWith(initProgram('Cloud-init v. 0 finished at stand-in boot\n', 'hang')));
    const created = await run('qemu-img', ['create', '-q', '-f', 'qcow2', tmp.join('images/standin-s1.qcow2'), String(64 * 2 ** 20)]);
    expect(created.code, created.stderr).to.equal(0);
    writeFileSync(tmp.join('images/standin-s1.json'), JSON.stringify({ name: 'standin', hash: 's1', qcow2: 'standin-s1.qcow2', vmlinuz: 'standin-s1.vmlinuz', initrd: 'standin-s1.initrd', root_label: 'none', virtual_size_bytes: 64 * 2 ** 20 }));
    symlinkSync('standin-s1.json', tmp.join('images/standin.json'));
    backend = build();
  });

  after(async () => {
    for (const server of (await backend?.compute.listServers().catch(() => [])) ?? []) await backend.compute.deleteServer(server.id).catch(() => undefined);
    tmp?.cleanup();
  });

  it('boots a daemonized qemu that outlives its caller, reports BUILD then ACTIVE from the console, and is adopted', async () => {
    const volume = await backend.volumes.createVolume({ name: 'trove-standin', sizeGb: 1 });
    const server = await backend.compute.createServer(request('11111111-2222-3333-4444-555555555555', { volume: { volumeId: volume.id, deviceName: 'vdb', sizeGb: 1, deleteOnTermination: true } }));
    expect([ServerStatus.BUILD, ServerStatus.ACTIVE]).to.include(server.status);
    const pid = await backend.runner.runningPid(server.id);
    expect(pid).to.be.a('number');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).to.include('-daemonize');
    expect(cmdline[cmdline.indexOf('-netdev') + 1]).to.match(/^user,id=net0,restrict=on,guestfwd=tcp:10\.0\.2\.100:5672-cmd:socat STDIO TCP:127\.0\.0\.1:5672,hostfwd=tcp:127\.10\.\d+\.\d+:3306-:3306$/);
    await waitStatus(server.id, ServerStatus.ACTIVE);
    expect(readFileSync(backend.layout.consoleLog(server.id), 'latin1')).to.include('Cloud-init v. 0 finished at stand-in boot');
    expect((await build().compute.getServer(server.id))?.status).to.equal(ServerStatus.ACTIVE);
  });

  it('forwards the instance address into the VM: accepted although nothing listens, so only a banner counts', async () => {
    const [server] = await backend.compute.listServers();
    expect(await accepts(server!.address, 3306)).to.equal(true);
    expect(await datastoreAnswers(server!.address, 3306, 'mysql', 3000)).to.equal(false);
  });

  it('grows the volume of the running VM through its QMP monitor', async () => {
    const [server] = await backend.compute.listServers();
    await backend.volumes.extendVolume(server!.volumeId!, 3);
    const info = await run('qemu-img', ['info', '-U', '--output=json', backend.volumes.diskPath(server!.volumeId!)]);
    expect((JSON.parse(info.stdout) as { 'virtual-size': number })['virtual-size']).to.equal(3 * 2 ** 30);
    expect((await backend.volumes.getVolume(server!.volumeId!))?.sizeGb).to.equal(3);
  });

  it('reboots: presses the power button, stops qemu when the guest ignores it, boots again', async () => {
    const [server] = await backend.compute.listServers();
    const before = await backend.runner.runningPid(server!.id);
    await backend.compute.rebootServer(server!.id);
    const after = await backend.runner.runningPid(server!.id);
    expect(after).to.be.a('number').and.not.equal(before);
    expect(existsSync(`/proc/${before}`) && readFileSync(`/proc/${before}/cmdline`, 'utf8').includes(server!.id)).to.equal(false);
    await waitStatus(server!.id, ServerStatus.ACTIVE);
  });

  it('deletes: no qemu process, disk, seed, volume or state is left', async () => {
    const [server] = await backend.compute.listServers();
    const serverDir = backend.layout.serverDir(server!.id);
    await backend.compute.deleteServer(server!.id);
    expect(processesMentioning(serverDir)).to.deep.equal([]);
    expect(existsSync(serverDir)).to.equal(false);
    expect(existsSync(backend.layout.volumeDir(server!.volumeId!))).to.equal(false);
    expect(await backend.compute.getServer(server!.id)).to.equal(undefined);
  });

  it('reports what qemu says when it refuses to start, and leaves nothing behind', async () => {
    writeFileSync(tmp.join('images/standin-s1.vmlinuz.bad'), 'not a kernel');
    writeFileSync(tmp.join('images/broken.json'), JSON.stringify({ name: 'broken', hash: 'b1', qcow2: 'standin-s1.qcow2', vmlinuz: 'standin-s1.vmlinuz.bad', initrd: 'standin-s1.initrd', root_label: 'none' }));
    const error = await backend.compute.createServer(request('66666666-2222-3333-4444-555555555555', { imageId: 'broken' })).then(() => undefined, (failure: unknown) => failure);
    expect(error).to.be.instanceOf(TroveError);
    expect((error as Error).message).to.match(/qemu-system-x86_64 failed \(exit 1\): .*kernel/i);
    expect(await backend.compute.listServers()).to.deep.equal([]);
  });
});
