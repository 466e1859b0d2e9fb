/** The accelerator: the KVM probe (its initrd, its verdict cached per host boot) and the forced settings. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { silentLogger } from '../../../../../shared/logging/index.js';
import { AccelChooser, PROBE_MARKER, initProgram, PROBE_TIMEOUT_MS, QemuLayout, probeInit, probeInitrd, type AccelSetting } from '../../../../../controller/compute/local-qemu/index.js';
import { TempDir } from '../../../../helpers/tmp.js';
import { FakeQemuHost } from './fake-host.js';

/** The repository root (the compiled tests sit six levels below it). */
const REPO_ROOT = fileURLToPath(new URL('../../../../../../', import.meta.url));

/** The members of a newc cpio archive. */
function readCpio(archive: Buffer): Array<{ name: string; mode: number; rdev: [number, number]; data: Buffer }> {
  const members: Array<{ name: string; mode: number; rdev: [number, number]; data: Buffer }> = [];
  let offset = 0;
  for (;;) {
    const header = archive.subarray(offset, offset + 110).toString('latin1');
    expect(header.slice(0, 6)).to.equal('070701');
    const field = (index: number) => Number.parseInt(header.slice(6 + index * 8, 14 + index * 8), 16);
    const nameSize = field(11);
    const name = archive.subarray(offset + 110, offset + 110 + nameSize - 1).toString('latin1');
    let position = offset + 110 + nameSize;
    position += (4 - (position % 4)) % 4;
    const data = archive.subarray(position, position + field(6));
    position += field(6);
    position += (4 - (position % 4)) % 4;
    if (name === 'TRAILER!!!') return members;
    members.push({ name, mode: field(1), rdev: [field(9), field(10)] as [number, number], data });
    offset = position;
  }
}

describe('local-qemu accelerator', () => {
  let tmp: TempDir;
  let host: FakeQemuHost;

  function chooser(setting: AccelSetting = 'auto'): AccelChooser {
    return new AccelChooser({ setting, layout: new QemuLayout(tmp.path), host, logger: silentLogger() });
  }

  beforeEach(() => {
    tmp = new TempDir();
    host = new FakeQemuHost();
  });

  afterEach(() => tmp.cleanup());

  it('builds a static x86-64 init that prints the marker, in a newc initrd with a console node', () => {
    const init = probeInit();
    expect(init.subarray(0, 4).toString('latin1')).to.equal('\x7fELF');
    expect(init[4]).to.equal(2);
    expect(init.readUInt16LE(16)).to.equal(2);
    expect(init.readUInt16LE(18)).to.equal(0x3e);
    const entry = Number(init.readBigUInt64LE(24)) - 0x400000;
    expect(entry).to.equal(120);
    expect(init.readUInt32LE(64)).to.equal(1);
    expect(Number(init.readBigUInt64LE(64 + 32))).to.equal(init.length);
    expect(init.toString('latin1')).to.include(`${PROBE_MARKER}\n`);
    // The `lea` displacement lands exactly on the message after the code.
    const lea = init.indexOf(Buffer.from([0x48, 0x8d, 0x35]), entry);
    expect(lea + 7 + init.readInt32LE(lea + 3)).to.equal(init.indexOf(PROBE_MARKER));

    const initrd = probeInitrd();
    expect(initrd.length % 512).to.equal(0);
    const members = readCpio(initrd);
    expect(members.map((member) => member.name)).to.deep.equal(['dev', 'dev/console', 'init']);
    expect(members[1]!.mode).to.equal(0o020600);
    expect(members[1]!.rdev).to.deep.equal([5, 1]);
    expect(members[2]!.mode).to.equal(0o100755);
    expect(members[2]!.data.equals(init)).to.equal(true);
  });

  it('builds init programs that hang instead of powering off, with the message where the code points', () => {
    const init = initProgram('Cloud-init v. 0 finished at boot\n', 'hang');
    const lea = init.indexOf(Buffer.from([0x48, 0x8d, 0x35]), 120);
    expect(lea + 7 + init.readInt32LE(lea + 3)).to.equal(init.indexOf('Cloud-init v. 0'));
    expect(init.readInt32LE(lea + 8)).to.equal('Cloud-init v. 0 finished at boot\n'.length);
    expect(init.includes(Buffer.from([0x0f, 0x05, 0xeb, 0xfe]))).to.equal(true);
    expect(init.includes(Buffer.from('b8a9000000', 'hex'))).to.equal(false);
  });

  it('keeps the copy in images/guest/warm-base identical to the backend initrd', () => {
    const script = readFileSync(`${REPO_ROOT}images/guest/warm-base`, 'utf8');
    const blob = /PROBE_INITRD_B64='([^']+)'/.exec(script)?.[1];
    expect(blob, 'PROBE_INITRD_B64 in warm-base').to.be.a('string');
    expect(gunzipSync(Buffer.from(blob!, 'base64')).equals(probeInitrd())).to.equal(true);
  });

  it('uses TCG without probing when /dev/kvm is missing, and remembers it for this host boot', async () => {
    expect(await chooser().choose('/img/k')).to.equal('tcg');
    expect(host.callsOf('probeKvm')).to.have.length(0);
    const cached = JSON.parse(readFileSync(new QemuLayout(tmp.path).accelFile(), 'utf8')) as { bootId: string; accel: string };
    expect(cached).to.include({ bootId: 'boot-1', accel: 'tcg' });
  });

  it('probes a present /dev/kvm once per host boot and uses TCG when the guest kernel does not run', async () => {
    host.kvm = true;
    expect(await chooser().choose('/img/k')).to.equal('tcg');
    expect(await chooser().choose('/img/k')).to.equal('tcg');
    const probes = host.callsOf('probeKvm');
    expect(probes).to.have.length(1);
    expect(probes[0]![0]).to.equal('/img/k');
    expect(probes[0]![2]).to.equal(PROBE_TIMEOUT_MS);
    expect(readFileSync(probes[0]![1] as string).equals(probeInitrd())).to.equal(true);

    host.boot = 'boot-2';
    host.kvmWorks = true;
    expect(await chooser().choose('/img/k')).to.equal('kvm');
    expect(host.callsOf('probeKvm')).to.have.length(2);
  });

  it('probes once for concurrent VMs', async () => {
    host.kvm = true;
    host.kvmWorks = true;
    const shared = chooser();
    expect(await Promise.all([shared.choose('/img/k'), shared.choose('/img/k'), shared.choose('/img/k')])).to.deep.equal(['kvm', 'kvm', 'kvm']);
    expect(host.callsOf('probeKvm')).to.have.length(1);
  });

  it('takes kvm and tcg as given, and falls back to TCG without a kernel to probe with', async () => {
    host.kvm = true;
    expect(await chooser('kvm').choose(undefined)).to.equal('kvm');
    expect(await chooser('tcg').choose('/img/k')).to.equal('tcg');
    expect(await chooser().choose(undefined)).to.equal('tcg');
    expect(host.callsOf('probeKvm')).to.have.length(0);
  });
});
