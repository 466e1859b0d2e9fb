/**
 * The qemu command line of a VM (guest-vm-recipe §3, §4), built from a plain description so it can be
 * checked without starting anything:
 *
 * - accelerator: `-accel kvm -cpu host`, or `-accel tcg,thread=multi -cpu max`; machine q35 (no floppy);
 * - `-nodefaults -no-user-config -display none`: only the devices listed here exist;
 * - disks in this order, so the guest names them alike every time: vda the root overlay, vdb the data volume
 *   (when there is one: the guest agent's `device_path`), then the NoCloud seed (read-only, label cidata);
 * - the guest image's kernel and initrd when it has them (direct boot, about 15 s faster than GRUB under TCG);
 * - user-mode networking only, `restrict=on`: nothing leaves qemu except the forwards. `hostfwd` binds the
 *   instance's own loopback address and datastore port; `guestfwd ... -cmd:socat STDIO TCP:<host>:<port>`
 *   relays the broker (one socat per guest connection; never the chardev `tcp:` form, which opens a single
 *   connection at start);
 * - `-daemonize -pidfile`, a QMP socket, the serial console appended to a file, `-no-reboot` (a guest that
 *   reboots or panics stops; the backend reports SHUTOFF instead of looping).
 */
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Accel } from './accel.js';
import type { BrokerForward } from './seed.js';

/** A host port forwarded to the VM. */
export interface PortForward {
  hostAddress: string;
  hostPort: number;
  guestPort: number;
}

/** Everything that decides a VM's command line. */
export interface VmSpec {
  /** Shown by `ps` and qemu's own messages. */
  name: string;
  accel: Accel;
  memoryMb: number;
  cpus: number;
  rootDisk: string;
  volumeDisk?: string;
  seedIso: string;
  kernel?: { vmlinuz: string; initrd: string; rootLabel: string };
  consoleLog: string;
  pidFile: string;
  qmpSocket: string;
  forwards: PortForward[];
  /** Address at which the guest reaches the broker relays. */
  brokerGuestAddress: string;
  brokers: BrokerForward[];
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function specError(message: string): TroveError {
  return new TroveError(ErrorCode.BACKEND_ERROR, message, { details: { service: 'qemu', method: 'launch', status: 400 } });
}

function checkAddress(what: string, address: string): void {
  const match = IPV4.exec(address);
  if (match === null || match.slice(1).some((octet) => Number(octet) > 255)) throw specError(`${what} '${address}' is not an IPv4 address.`);
}

function checkPort(what: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw specError(`${what} ${port} is not a TCP port.`);
}

/** A path as a qemu option value: commas are doubled (qemu's escape), line breaks refused. */
export function optionPath(path: string): string {
  if (/[\r\n\0]/.test(path)) throw specError('A VM file path contains a line break or NUL.');
  return path.replaceAll(',', ',,');
}

/**
 * The `-netdev` value: user-mode networking restricted to the forwards.
 * @throws TroveError BACKEND_ERROR for a malformed address or port (nothing reaches qemu's parser unchecked)
 */
export function netdevOption(spec: Pick<VmSpec, 'forwards' | 'brokerGuestAddress' | 'brokers'>): string {
  const parts = ['user', 'id=net0', 'restrict=on'];
  checkAddress('broker_guest_address', spec.brokerGuestAddress);
  for (const broker of spec.brokers) {
    checkAddress('Broker address', broker.hostAddress);
    checkPort('Broker port', broker.hostPort);
    checkPort('Guest broker port', broker.guestPort);
    // No commas may appear in the command: the option parser would split it.
    parts.push(`guestfwd=tcp:${spec.brokerGuestAddress}:${broker.guestPort}-cmd:socat STDIO TCP:${broker.hostAddress}:${broker.hostPort}`);
  }
  for (const forward of spec.forwards) {
    checkAddress('Forwarded address', forward.hostAddress);
    checkPort('Forwarded host port', forward.hostPort);
    checkPort('Forwarded guest port', forward.guestPort);
    parts.push(`hostfwd=tcp:${forward.hostAddress}:${forward.hostPort}-:${forward.guestPort}`);
  }
  return parts.join(',');
}

/** The kernel command line of a direct boot. */
export function kernelAppend(rootLabel: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(rootLabel)) throw specError(`Root label '${rootLabel}' is not usable on a kernel command line.`);
  return `root=LABEL=${rootLabel} ro console=ttyS0,115200 net.ifnames=0 modprobe.blacklist=floppy`;
}

/**
 * The arguments of `qemu-system-x86_64` for `spec`.
 * @throws TroveError BACKEND_ERROR for impossible sizes, addresses or ports
 */
export function qemuArgs(spec: VmSpec): string[] {
  if (!Number.isInteger(spec.memoryMb) || spec.memoryMb < 128) throw specError(`A VM needs at least 128 MB of memory, not ${spec.memoryMb}.`);
  if (!Number.isInteger(spec.cpus) || spec.cpus < 1) throw specError(`A VM needs at least one CPU, not ${spec.cpus}.`);
  const accel = spec.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max'];
  const drive = (id: string, file: string, format: 'qcow2' | 'raw', readonly: boolean) => [
    '-drive',
    `if=none,id=${id},file=${optionPath(file)},format=${format}${readonly ? ',readonly=on' : ',discard=unmap'}`,
    '-device',
    `virtio-blk-pci,drive=${id},serial=trove-${id}`,
  ];
  const args = [
    '-name', spec.name,
    '-machine', 'q35',
    ...accel,
    '-smp', String(spec.cpus),
    '-m', String(spec.memoryMb),
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    ...drive('root', spec.rootDisk, 'qcow2', false),
    ...(spec.volumeDisk === undefined ? [] : drive('volume', spec.volumeDisk, 'qcow2', false)),
    ...drive('seed', spec.seedIso, 'raw', true),
    '-netdev', netdevOption(spec),
    '-device', 'virtio-net-pci,netdev=net0',
    '-device', 'virtio-rng-pci',
    '-chardev', `file,id=console0,path=${optionPath(spec.consoleLog)},append=on`,
    '-serial', 'chardev:console0',
    '-qmp', `unix:${optionPath(spec.qmpSocket)},server=on,wait=off`,
    '-pidfile', spec.pidFile,
    '-daemonize',
  ];
  if (spec.kernel !== undefined) args.push('-kernel', spec.kernel.vmlinuz, '-initrd', spec.kernel.initrd, '-append', kernelAppend(spec.kernel.rootLabel));
  return args;
}

/** CPUs a VM gets: the flavor's, at most the host's (TCG spends one host thread per vCPU). */
export function vmCpus(flavorVcpus: number, hostCpus: number): number {
  return Math.max(1, Math.min(flavorVcpus, Math.max(1, hostCpus)));
}
