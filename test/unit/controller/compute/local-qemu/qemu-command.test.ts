/** The qemu command line: accelerators, disks in a fixed order, restricted user networking, direct boot, refusals. */
import { expect } from 'chai';
import { TroveError } from '../../../../../shared/errors/index.js';
import { kernelAppend, netdevOption, optionPath, qemuArgs, vmCpus, type VmSpec } from '../../../../../controller/compute/local-qemu/index.js';

function spec(extra: Partial<VmSpec> = {}): VmSpec {
  return {
    name: 'trove-s1',
    accel: 'tcg',
    memoryMb: 2048,
    cpus: 2,
    rootDisk: '/state/qemu/servers/s1/disk.qcow2',
    volumeDisk: '/state/qemu/volumes/v1/volume.qcow2',
    seedIso: '/state/qemu/servers/s1/seed.iso',
    kernel: { vmlinuz: '/img/g-1.vmlinuz', initrd: '/img/g-1.initrd', rootLabel: 'cloudimg-rootfs' },
    consoleLog: '/state/qemu/servers/s1/console.log',
    pidFile: '/state/qemu/servers/s1/qemu.pid',
    qmpSocket: '/state/qemu/servers/s1/qmp.sock',
    forwards: [{ hostAddress: '127.10.3.4', hostPort: 3306, guestPort: 3306 }],
    brokerGuestAddress: '10.0.2.100',
    brokers: [{ guestPort: 5672, hostAddress: '127.0.0.1', hostPort: 5672 }],
    ...extra,
  };
}

function valueOf(args: string[], flag: string, nth = 0): string | undefined {
  const positions = args.flatMap((arg, index) => (arg === flag ? [index] : []));
  const position = positions[nth];
  return position === undefined ? undefined : args[position + 1];
}

describe('local-qemu qemu command line', () => {
  it('runs TCG with multi-threading, cpu max and q35 when KVM is not usable', () => {
    const args = qemuArgs(spec());
    expect(valueOf(args, '-accel')).to.equal('tcg,thread=multi');
    expect(valueOf(args, '-cpu')).to.equal('max');
    expect(valueOf(args, '-machine')).to.equal('q35');
    expect(valueOf(args, '-smp')).to.equal('2');
    expect(valueOf(args, '-m')).to.equal('2048');
    for (const flag of ['-nodefaults', '-no-user-config', '-no-reboot', '-daemonize']) expect(args).to.include(flag);
    expect(valueOf(args, '-display')).to.equal('none');
  });

  it('runs KVM with the host CPU when the probe passed', () => {
    const args = qemuArgs(spec({ accel: 'kvm' }));
    expect(valueOf(args, '-accel')).to.equal('kvm');
    expect(valueOf(args, '-cpu')).to.equal('host');
  });

  it('attaches root, volume and seed in that order (vda, vdb, vdc), the seed read-only', () => {
    const drives = qemuArgs(spec()).filter((_, index, all) => all[index - 1] === '-drive');
    expect(drives).to.have.length(3);
    expect(drives[0]).to.equal('if=none,id=root,file=/state/qemu/servers/s1/disk.qcow2,format=qcow2,discard=unmap');
    expect(drives[1]).to.equal('if=none,id=volume,file=/state/qemu/volumes/v1/volume.qcow2,format=qcow2,discard=unmap');
    expect(drives[2]).to.equal('if=none,id=seed,file=/state/qemu/servers/s1/seed.iso,format=raw,readonly=on');
    const devices = qemuArgs(spec()).filter((_, index, all) => all[index - 1] === '-device');
    expect(devices.slice(0, 3)).to.deep.equal(['virtio-blk-pci,drive=root,serial=trove-root', 'virtio-blk-pci,drive=volume,serial=trove-volume', 'virtio-blk-pci,drive=seed,serial=trove-seed']);
  });

  it('makes the seed the second disk when there is no volume', () => {
    const { volumeDisk: _volume, ...withoutVolume } = spec();
    const drives = qemuArgs(withoutVolume).filter((_, index, all) => all[index - 1] === '-drive');
    expect(drives.map((drive) => /id=(\w+)/.exec(drive)?.[1])).to.deep.equal(['root', 'seed']);
  });

  it('uses only restricted user networking: hostfwd on the instance address, guestfwd through socat', () => {
    const netdev = valueOf(qemuArgs(spec()), '-netdev');
    expect(netdev).to.equal('user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:5672-cmd:socat STDIO TCP:127.0.0.1:5672,hostfwd=tcp:127.10.3.4:3306-:3306');
    expect(netdev).not.to.match(/guestfwd=[^,]*-tcp:/);
    expect(qemuArgs(spec())).to.include('virtio-net-pci,netdev=net0');
  });

  it('boots the image kernel directly with the root label, and keeps console, QMP and pid file per VM', () => {
    const args = qemuArgs(spec());
    expect(valueOf(args, '-kernel')).to.equal('/img/g-1.vmlinuz');
    expect(valueOf(args, '-initrd')).to.equal('/img/g-1.initrd');
    expect(valueOf(args, '-append')).to.equal('root=LABEL=cloudimg-rootfs ro console=ttyS0,115200 net.ifnames=0 modprobe.blacklist=floppy');
    expect(valueOf(args, '-chardev')).to.equal('file,id=console0,path=/state/qemu/servers/s1/console.log,append=on');
    expect(valueOf(args, '-serial')).to.equal('chardev:console0');
    expect(valueOf(args, '-qmp')).to.equal('unix:/state/qemu/servers/s1/qmp.sock,server=on,wait=off');
    expect(valueOf(args, '-pidfile')).to.equal('/state/qemu/servers/s1/qemu.pid');
    const { kernel: _kernel, ...diskBoot } = spec();
    expect(qemuArgs(diskBoot)).not.to.include('-kernel');
  });

  it('doubles commas in paths and refuses line breaks', () => {
    expect(optionPath('/a,b/c')).to.equal('/a,,b/c');
    expect(() => optionPath('/a\nb')).to.throw(TroveError, /line break/);
    expect(valueOf(qemuArgs(spec({ rootDisk: '/x,y/disk.qcow2' })), '-drive')).to.include('file=/x,,y/disk.qcow2,');
  });

  it('refuses malformed addresses, ports, sizes and root labels before anything runs', () => {
    expect(() => netdevOption({ forwards: [], brokerGuestAddress: '10.0.2.100,hostfwd=tcp::22-:22', brokers: [] })).to.throw(TroveError, /not an IPv4 address/);
    expect(() => netdevOption({ forwards: [{ hostAddress: '127.0.0.300', hostPort: 3306, guestPort: 3306 }], brokerGuestAddress: '10.0.2.100', brokers: [] })).to.throw(TroveError, /not an IPv4/);
    expect(() => netdevOption({ forwards: [{ hostAddress: '127.0.0.3', hostPort: 70000, guestPort: 3306 }], brokerGuestAddress: '10.0.2.100', brokers: [] })).to.throw(TroveError, /not a TCP port/);
    expect(() => qemuArgs(spec({ memoryMb: 64 }))).to.throw(TroveError, /at least 128 MB/);
    expect(() => qemuArgs(spec({ cpus: 0 }))).to.throw(TroveError, /at least one CPU/);
    expect(() => kernelAppend('x y')).to.throw(TroveError, /Root label/);
  });

  it('gives a VM the flavor CPUs, at most the host CPUs', () => {
    expect(vmCpus(1, 2)).to.equal(1);
    expect(vmCpus(2, 2)).to.equal(2);
    expect(vmCpus(8, 2)).to.equal(2);
    expect(vmCpus(4, 0)).to.equal(1);
  });
});
