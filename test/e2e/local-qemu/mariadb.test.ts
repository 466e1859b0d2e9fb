/**
 * A MariaDB instance in a real VM, through the stock `openstack` CLI: trove-api, trove-taskmanager
 * (`compute_backend = local-qemu`) and trove-conductor as processes, the guest image of images/guest/build on
 * its warm base (both built on this machine when missing), qemu under KVM or TCG with user-mode networking,
 * the guest agent inside the VM reaching the host's RabbitMQ through guestfwd/socat, MariaDB in Docker in the
 * VM. The test logs in with a real client through the instance's forwarded loopback address, then deletes the
 * instance and checks that no qemu process, disk, seed or address is left. One VM at a time (TCG uses both
 * cores of the CI machines). Runs unless TROVE_VM_TESTS=0.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { datastoreAnswers } from '../../../controller/compute/local-qemu/index.js';
import type { Stack } from '../../helpers/stack.js';
import { addressOf, openstackJson, openstackOk, waitForGone, waitForStatus } from '../helpers/cli.js';
import { consoleTail, createQemuStack, ensureVmImages, processesMentioning, stopVms, vmOf, vmTestsEnabled, type VmFootprint } from './vm-helpers.js';

const USER = 'appuser';
const PASSWORD = 'Qemu-e2e-pass1';

const log = (line: string) => console.log(`      [local-qemu] ${line}`);

(vmTestsEnabled() ? describe : describe.skip)('e2e: MariaDB on local-qemu (a real VM) through the stock CLI', function () {
  this.timeout(3 * 60 * 60_000);
  let stack: Stack;
  let id: string;
  let address: string;
  let vm: VmFootprint | undefined;

  before(async () => {
    const images = await ensureVmImages(log);
    log(`guest image ${images.qcow2}, warm base ${images.warm}`);
    stack = await createQemuStack({ progress: log });
    await stack.start();
  });

  after(async () => {
    if (stack === undefined) return;
    const stopped = await stopVms(stack).catch(() => 0);
    if (stopped > 0) log(`stopped ${stopped} VM(s) left behind`);
    await stack.teardown();
  });

  it('creates an instance in a VM and reports ACTIVE with its own loopback address', async () => {
    const started = Date.now();
    const created = await openstackJson<Record<string, unknown>>(stack, [
      'database', 'instance', 'create', 'e2e-qemu', '--flavor', '3', '--size', '1', '--datastore', 'mariadb', '--datastore-version', '10.11',
      '--databases', 'appdb', '--users', `${USER}:${PASSWORD}`,
    ]);
    id = String(created['id']);
    expect(created['status']).to.equal('BUILD');
    let instance: Record<string, unknown>;
    try {
      instance = await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs: 25 * 60_000, progress: log });
    } catch (error) {
      log(`VM console:\n${consoleTail(vmOf(stack, id))}`);
      throw error;
    }
    vm = vmOf(stack, id);
    log(`ACTIVE after ${Math.round((Date.now() - started) / 1000)} s`);
    expect(instance['operating_status']).to.equal('HEALTHY');
    address = addressOf(instance);
    expect(address.startsWith(stack.addressRange.replace(/0\/24$/, ''))).to.equal(true);
    expect(vm?.pid, 'qemu pid').to.be.a('number');
    expect(vm?.volumeId).to.be.a('string');
  });

  it('runs the VM with restricted user networking: the instance address forwarded in, the broker relayed out', () => {
    const cmdline = processesMentioning(join(vm!.serverDir, 'qemu.pid'));
    expect(cmdline).to.deep.equal([vm!.pid]);
    const args = readCmdline(vm!.pid!);
    const netdev = args[args.indexOf('-netdev') + 1];
    expect(netdev).to.match(/^user,id=net0,restrict=on,guestfwd=tcp:10\.0\.2\.100:5672-cmd:socat STDIO TCP:127\.0\.0\.1:5672,/);
    expect(netdev).to.include(`hostfwd=tcp:${address}:3306-:3306`);
    expect(args.filter((arg) => arg.startsWith('if=none,id=volume,'))).to.have.length(1);
  });

  it('answers with a real MariaDB banner and lets the created user log in with a real client, nobody else', async () => {
    expect(await datastoreAnswers(address, 3306, 'mysql')).to.equal(true);
    const connection = await createConnection({ host: address, port: 3306, user: USER, password: PASSWORD, database: 'appdb', connectTimeout: 20_000 });
    try {
      await connection.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))');
      await connection.query("INSERT INTO t VALUES (1, 'in-a-vm')");
      const [rows] = await connection.query<RowDataPacket[]>('SELECT v FROM t');
      expect(rows.map((row) => row['v'])).to.deep.equal(['in-a-vm']);
      const [version] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS v');
      expect(String(version[0]?.['v'])).to.match(/^10\.11\./);
    } finally {
      await connection.end();
    }
    let refused: unknown;
    await createConnection({ host: address, port: 3306, user: USER, password: 'wrong-password', database: 'appdb', connectTimeout: 20_000 }).then((c) => c.end(), (error: unknown) => (refused = error));
    expect((refused as { code?: string } | undefined)?.code).to.equal('ER_ACCESS_DENIED_ERROR');
  });

  it('deletes through the CLI and leaves no qemu process, disk, seed, volume or address behind', async () => {
    await openstackOk(stack, ['database', 'instance', 'delete', id]);
    await waitForGone(stack, id, 10 * 60_000);
    const deadline = Date.now() + 120_000;
    const left = () => ({
      qemu: processesMentioning(vm!.serverDir),
      serverDir: existsSync(vm!.serverDir),
      volume: vm!.volumeId !== null && existsSync(join(stack.stateDir, 'qemu', 'volumes', vm!.volumeId)),
      address: existsSync(join(stack.stateDir, 'addresses', address)),
    });
    while (JSON.stringify(left()) !== JSON.stringify({ qemu: [], serverDir: false, volume: false, address: false }) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(left()).to.deep.equal({ qemu: [], serverDir: false, volume: false, address: false });
    const serversDir = join(stack.stateDir, 'qemu', 'servers');
    expect(existsSync(serversDir) ? readdirSync(serversDir) : []).to.deep.equal([]);
    expect(await datastoreAnswers(address, 3306, 'mysql', 1000)).to.equal(false);
  });
});

function readCmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}
