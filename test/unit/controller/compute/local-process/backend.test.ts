/**
 * The local-process backend with a stand-in agent (a small node script that stays up until SIGTERM, or exits 2
 * like a real agent refusing its configuration) and a fake Docker engine: servers, adoption after a controller
 * restart, status from the process, reboot, resize, volumes and delete.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { defaultConfig } from '../../../../../shared/config/index.js';
import { TroveError } from '../../../../../shared/errors/index.js';
import { silentLogger } from '../../../../../shared/logging/index.js';
import { createLocalProcessBackend, isAgentProcess, pidFile, type DockerHost, type LocalProcessBackend } from '../../../../../controller/compute/local-process/index.js';
import { ServerStatus, type CreateServerRequest, type Image } from '../../../../../controller/compute/ports.js';
import { TempDir } from '../../../../helpers/tmp.js';

const FAKE_AGENT = `
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const dir = process.argv[process.argv.indexOf('--config-dir') + 1];
const info = readFileSync(dir + '/guest_info.conf', 'utf8');
if (info.includes('refuse')) { process.stderr.write('trove-guestagent: [DEFAULT] guest_id is not valid\\n'); process.exit(2); }
// A flaky agent fails its first start (as when the broker goes away while it connects).
if (info.includes('flaky') && !existsSync(dir + '/failed-once')) { writeFileSync(dir + '/failed-once', ''); process.exit(1); }
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1000);
`;

class FakeDocker implements DockerHost {
  readonly removed: string[] = [];
  readonly containers = new Map<string, string[]>();
  async findImage(repository: string): Promise<Image | undefined> {
    return repository.startsWith('trove/') ? { id: repository, name: repository, status: 'active', tags: ['10.11'], createdAt: '2026-01-01T00:00:00Z', minDiskGb: 0, minRamMb: 0 } : undefined;
  }
  async listInstanceContainers(instanceId: string): Promise<string[]> {
    return this.containers.get(instanceId) ?? [];
  }
  async removeInstanceContainers(instanceId: string): Promise<string[]> {
    const names = this.containers.get(instanceId) ?? [];
    this.containers.delete(instanceId);
    this.removed.push(instanceId);
    return names;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local-process backend', function () {
  this.timeout(20_000);
  let tmp: TempDir;
  let docker: FakeDocker;
  let backend: LocalProcessBackend;
  let script: string;
  const third = 1 + Math.floor(Math.random() * 250);

  function build(): LocalProcessBackend {
    const config = defaultConfig({ local_compute: { state_dir: tmp.join('state'), address_range: `127.10.${third}.0/24`, agent_stop_timeout: 2 } });
    return createLocalProcessBackend(config, silentLogger(), { docker, agentCommand: [process.execPath, script] });
  }

  function request(instanceId: string, extra: Partial<CreateServerRequest> = {}): CreateServerRequest {
    return {
      name: 'db1',
      imageId: 'trove/mariadb',
      flavorId: '2',
      nics: [],
      boot: {
        files: [
          { path: '/etc/trove/conf.d/guest_info.conf', content: `[DEFAULT]\nguest_id = ${instanceId}\ndatastore_manager = mariadb\ndatastore_version = 10.11\n`, owner: 'root:root' },
          { path: '/etc/trove/conf.d/trove-guestagent.conf', content: '[DEFAULT]\nreport_interval = 5\n', owner: 'root:root' },
        ],
      },
      metadata: { trove_instance_id: instanceId, trove_project_id: 'p', trove_user_id: 'p' },
      configDrive: false,
      ...extra,
    };
  }

  beforeEach(() => {
    tmp = new TempDir();
    script = tmp.write('fake-agent.mjs', FAKE_AGENT);
    docker = new FakeDocker();
    backend = build();
  });

  afterEach(async () => {
    for (const server of await backend.compute.listServers()) await backend.compute.deleteServer(server.id).catch(() => undefined);
    tmp.cleanup();
  });

  it('creates a server: an agent process with the cloud-init files, its own address, volume and container name', async () => {
    const volume = await backend.volumes.createVolume({ name: 'trove-i', sizeGb: 1 });
    const instanceId = randomUUID();
    const server = await backend.compute.createServer(request(instanceId, { volume: { volumeId: volume.id, deviceName: 'vdb', sizeGb: 1, deleteOnTermination: true } }));
    expect(server.status).to.equal(ServerStatus.ACTIVE);
    const address = server.addresses['local']![0]!.address;
    expect(address).to.equal(`127.10.${third}.1`);

    const configDir = backend.compute.configDir(server.id);
    expect(readFileSync(`${configDir}/guest_info.conf`, 'utf8')).to.include(`guest_id = ${instanceId}`);
    expect(readFileSync(`${configDir}/trove-guestagent.conf`, 'utf8')).to.equal('[DEFAULT]\nreport_interval = 5\n');
    const host = readFileSync(`${configDir}/trove-local-process.conf`, 'utf8');
    expect(host).to.include(`container_name = trove-${instanceId}`);
    expect(host).to.include(`datastore_bind_host = ${address}`);
    expect(host).to.include(`mount_point = ${backend.volumes.dataDir(volume.id)}`);
    expect(host).to.include('docker_image = trove/mariadb');
    const pid = Number(readFileSync(pidFile(backend.layout.serverDir(server.id)), 'utf8'));
    expect(await isAgentProcess(pid, configDir)).to.equal(true);
    expect((await backend.volumes.getVolume(volume.id))!.status).to.equal('in-use');

    const again = await backend.compute.createServer(request(instanceId));
    expect(again.id).to.equal(server.id);
    expect((await backend.compute.listServers()).length).to.equal(1);
  });

  it('gives two concurrent creates of one instance the same server', async () => {
    const instanceId = randomUUID();
    const [first, second] = await Promise.all([backend.compute.createServer(request(instanceId)), build().compute.createServer(request(instanceId))]);
    expect(second.id).to.equal(first.id);
    expect((await backend.compute.listServers()).map((record) => record.instanceId)).to.deep.equal([instanceId]);
    expect((await backend.pool.allocated()).size).to.equal(1);
  });

  it('reports SHUTOFF when the agent dies, adopts a running agent after a controller restart, and reboots', async () => {
    const server = await backend.compute.createServer(request(randomUUID()));
    const serverDir = backend.layout.serverDir(server.id);
    const firstPid = Number(readFileSync(pidFile(serverDir), 'utf8'));

    const restarted = build();
    expect((await restarted.compute.getServer(server.id))!.status).to.equal(ServerStatus.ACTIVE);

    process.kill(firstPid, 'SIGKILL');
    for (let i = 0; i < 50 && (await isAgentProcess(firstPid, restarted.compute.configDir(server.id))); i++) await sleep(20);
    expect((await restarted.compute.getServer(server.id))!.status).to.equal(ServerStatus.SHUTOFF);

    await restarted.compute.rebootServer(server.id);
    const secondPid = Number(readFileSync(pidFile(serverDir), 'utf8'));
    expect(secondPid).to.not.equal(firstPid);
    expect((await restarted.compute.getServer(server.id))!.status).to.equal(ServerStatus.ACTIVE);
  });

  it('starts an agent that failed again after 5 s, as systemd does in a VM; one killed by a signal stays down', async () => {
    const server = await backend.compute.createServer(request(`flaky-${randomUUID()}`));
    const serverDir = backend.layout.serverDir(server.id);
    const firstPid = Number(readFileSync(pidFile(serverDir), 'utf8'));
    let status = server.status;
    for (let i = 0; i < 100 && status !== ServerStatus.SHUTOFF; i++) {
      await sleep(20);
      status = (await backend.compute.getServer(server.id))!.status;
    }
    expect(status, 'the first start fails').to.equal(ServerStatus.SHUTOFF);
    for (let i = 0; i < 80 && status !== ServerStatus.ACTIVE; i++) {
      await sleep(100);
      status = (await backend.compute.getServer(server.id))!.status;
    }
    expect(status, 'restarted').to.equal(ServerStatus.ACTIVE);
    const secondPid = Number(readFileSync(pidFile(serverDir), 'utf8'));
    expect(secondPid).to.not.equal(firstPid);

    process.kill(secondPid, 'SIGKILL');
    await sleep(6000);
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.SHUTOFF);
  });

  it('does not take a recycled pid for the agent', async () => {
    const server = await backend.compute.createServer(request(randomUUID()));
    const serverDir = backend.layout.serverDir(server.id);
    process.kill(Number(readFileSync(pidFile(serverDir), 'utf8')), 'SIGKILL');
    writeFileSync(pidFile(serverDir), `${process.pid}\n`);
    await sleep(50);
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.SHUTOFF);
  });

  it('reports ERROR with the agent\'s complaint when it refuses its configuration', async () => {
    const server = await backend.compute.createServer(request(`refuse-${randomUUID()}`));
    let status = server.status;
    for (let i = 0; i < 100 && status !== ServerStatus.ERROR; i++) {
      await sleep(20);
      status = (await backend.compute.getServer(server.id))!.status;
    }
    const read = (await backend.compute.getServer(server.id))!;
    expect(read.status).to.equal(ServerStatus.ERROR);
    expect(read.fault!.details).to.include('guest_id is not valid');
  });

  it('refuses unknown flavors, images and datastore managers, leaving nothing behind', async () => {
    for (const bad of [{ flavorId: '99' }, { imageId: 'nope/none' }]) {
      try {
        await backend.compute.createServer(request(randomUUID(), bad));
        expect.fail('expected a refusal');
      } catch (error) {
        expect(error).to.be.instanceOf(TroveError);
        expect((error as TroveError).details?.['status']).to.equal(400);
      }
    }
    const noManager = request(randomUUID());
    noManager.boot.files[0]!.content = '[DEFAULT]\nguest_id = x\n';
    try {
      await backend.compute.createServer(noManager);
      expect.fail('expected a refusal');
    } catch (error) {
      expect((error as Error).message).to.match(/no known datastore_manager/);
    }
    expect(await backend.compute.listServers()).to.deep.equal([]);
    expect((await backend.pool.allocated()).size).to.equal(0);
  });

  it('resizes with verify, confirm and revert', async () => {
    const server = await backend.compute.createServer(request(randomUUID()));
    await backend.compute.resizeServer(server.id, '4');
    expect((await backend.compute.getServer(server.id))!.status).to.equal(ServerStatus.VERIFY_RESIZE);
    await backend.compute.revertResize(server.id);
    expect((await backend.compute.getServer(server.id))!).to.include({ status: ServerStatus.ACTIVE, flavorId: '2' });
    await backend.compute.resizeServer(server.id, '4');
    await backend.compute.confirmResize(server.id);
    expect((await backend.compute.getServer(server.id))!).to.include({ status: ServerStatus.ACTIVE, flavorId: '4' });
  });

  it('deletes a server: agent stopped, containers removed, address and directory released; volumes go separately', async () => {
    const instanceId = randomUUID();
    docker.containers.set(instanceId, [`trove-${instanceId}`]);
    const volume = await backend.volumes.createVolume({ name: 'trove-x', sizeGb: 1 });
    const server = await backend.compute.createServer(request(instanceId, { volume: { volumeId: volume.id, deviceName: 'vdb', sizeGb: 1, deleteOnTermination: true } }));
    const serverDir = backend.layout.serverDir(server.id);
    const pid = Number(readFileSync(pidFile(serverDir), 'utf8'));
    await backend.compute.deleteServer(server.id);
    expect(await isAgentProcess(pid, backend.compute.configDir(server.id))).to.equal(false);
    expect(docker.removed).to.deep.equal([instanceId]);
    expect(existsSync(serverDir)).to.equal(false);
    expect((await backend.pool.allocated()).size).to.equal(0);
    expect(await backend.compute.getServer(server.id)).to.equal(undefined);
    expect((await backend.volumes.getVolume(volume.id))!.status).to.equal('available');
    await backend.volumes.extendVolume(volume.id, 3);
    expect((await backend.volumes.getVolume(volume.id))!.sizeGb).to.equal(3);
    await backend.volumes.deleteVolume(volume.id);
    expect(existsSync(backend.volumes.dataDir(volume.id))).to.equal(false);
    await backend.compute.deleteServer(server.id);
  });

  it('ports allocate addresses on the one local network and servers use them', async () => {
    const port = await backend.networks.createPort({ name: 'trove-p', description: 'user port', networkId: 'local', securityGroupIds: [] });
    const server = await backend.compute.createServer(request(randomUUID(), { nics: [{ portId: port.id }] }));
    expect(server.addresses['local']![0]!.address).to.equal(port.fixedIps[0]!.ipAddress);
    expect((await backend.networks.getPort(port.id))!.deviceId).to.equal(server.id);
    await backend.compute.deleteServer(server.id);
    expect((await backend.pool.allocated()).has(port.fixedIps[0]!.ipAddress)).to.equal(true);
    await backend.networks.deletePort(port.id);
    expect((await backend.pool.allocated()).size).to.equal(0);
    try {
      await backend.networks.createPort({ name: 'x', description: '', networkId: 'public', securityGroupIds: [] });
      expect.fail('expected a refusal');
    } catch (error) {
      expect((error as Error).message).to.match(/does not exist on this host/);
    }
  });
});
