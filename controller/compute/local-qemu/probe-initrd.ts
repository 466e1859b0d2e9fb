/**
 * The initrd of the accelerator probe (guest-vm-recipe §1 `kvm_usable`): an uncompressed newc cpio archive
 * whose `/init` is a static x86-64 program of 187 bytes that writes `PROBE_MARKER` to the console and powers the
 * VM off. Built in memory so the probe needs neither busybox nor cpio on the controller host; the guest
 * image's own kernel boots it. `images/guest/warm-base` carries the same bytes in base64 (a unit test keeps
 * the two equal). `initProgram` also makes stand-in guests for tests of the real qemu process handling.
 */

/** What the probe's init prints when the guest kernel ran it. */
export const PROBE_MARKER = 'TROVE-KVM-PROBE-OK';

const hex = (text: string) => Buffer.from(text, 'hex');
const int32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value);
  return buffer;
};
// write(1, msg, len): mov $1,%eax; mov $1,%edi; lea msg(%rip),%rsi; mov $len,%edx; syscall (24 bytes; the lea
// ends at byte 17, so its displacement is the code length minus 17). Assembled with GNU as.
const WRITE_HEAD = hex('b801000000bf01000000488d35');
// reboot(0xfee1dead, 0x28121969, LINUX_REBOOT_CMD_POWER_OFF); then 1: jmp 1b
const POWER_OFF = hex('b8a9000000bfaddee1febe69191228badcfe21430f05ebfe');
const HANG = hex('ebfe');
const LOAD_ADDRESS = 0x400000;
const ELF_HEADER = 64;
const PROGRAM_HEADER = 56;

/**
 * A static x86-64 ELF executable for `/init` that writes `message` to the console, then powers the VM off
 * (`then: 'poweroff'`) or spins forever (`'hang'`, a guest that never answers the power button).
 */
export function initProgram(message: string, then: 'poweroff' | 'hang'): Buffer {
  const text = Buffer.from(message, 'latin1');
  const tail = then === 'poweroff' ? POWER_OFF : HANG;
  const codeLength = 24 + tail.length;
  const body = Buffer.concat([WRITE_HEAD, int32(codeLength - 17), hex('ba'), int32(text.length), hex('0f05'), tail, text]);
  const headers = ELF_HEADER + PROGRAM_HEADER;
  const elf = Buffer.alloc(headers + body.length);
  elf.write('\x7fELF', 0, 'latin1');
  elf[4] = 2; // 64-bit
  elf[5] = 1; // little endian
  elf[6] = 1; // ELF version
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(0x3e, 18); // x86-64
  elf.writeUInt32LE(1, 20);
  elf.writeBigUInt64LE(BigInt(LOAD_ADDRESS + headers), 24); // entry point: the code after the headers
  elf.writeBigUInt64LE(BigInt(ELF_HEADER), 32); // program headers follow the ELF header
  elf.writeUInt16LE(ELF_HEADER, 52);
  elf.writeUInt16LE(PROGRAM_HEADER, 54);
  elf.writeUInt16LE(1, 56);
  elf.writeUInt16LE(64, 58);
  const ph = ELF_HEADER;
  elf.writeUInt32LE(1, ph); // PT_LOAD
  elf.writeUInt32LE(5, ph + 4); // R + X
  elf.writeBigUInt64LE(0n, ph + 8);
  elf.writeBigUInt64LE(BigInt(LOAD_ADDRESS), ph + 16);
  elf.writeBigUInt64LE(BigInt(LOAD_ADDRESS), ph + 24);
  elf.writeBigUInt64LE(BigInt(elf.length), ph + 32);
  elf.writeBigUInt64LE(BigInt(elf.length), ph + 40);
  elf.writeBigUInt64LE(0x1000n, ph + 48);
  body.copy(elf, headers);
  return elf;
}

/** The probe's `/init`: prints `PROBE_MARKER` and powers off. */
export function probeInit(): Buffer {
  return initProgram(`${PROBE_MARKER}\n`, 'poweroff');
}

/** One member of a newc archive. */
interface CpioMember {
  name: string;
  mode: number;
  data?: Buffer;
  rdev?: [number, number];
}

const pad4 = (length: number) => (4 - (length % 4)) % 4;

function cpioMember(member: CpioMember, inode: number): Buffer {
  const data = member.data ?? Buffer.alloc(0);
  const isDirectory = (member.mode & 0o170000) === 0o040000;
  const fields = [inode, member.mode, 0, 0, isDirectory ? 2 : 1, 0, data.length, 0, 0, member.rdev?.[0] ?? 0, member.rdev?.[1] ?? 0, member.name.length + 1, 0];
  const header = Buffer.from(`070701${fields.map((field) => field.toString(16).padStart(8, '0')).join('')}${member.name}\0`, 'latin1');
  return Buffer.concat([header, Buffer.alloc(pad4(header.length)), data, Buffer.alloc(pad4(data.length))]);
}

/**
 * The probe initrd: `/dev` with a console node (so init has its stdout even where the kernel's built-in
 * initramfs lacks one) and the probe's `/init`.
 */
export function probeInitrd(): Buffer {
  return initrdWith(probeInit());
}

/** A newc initrd whose `/init` is `init` (with `/dev/console`). */
export function initrdWith(init: Buffer): Buffer {
  const members: CpioMember[] = [
    { name: 'dev', mode: 0o040755 },
    { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
    { name: 'init', mode: 0o100755, data: init },
    { name: 'TRAILER!!!', mode: 0 },
  ];
  const archive = Buffer.concat(members.map((member, index) => cpioMember(member, index + 1)));
  return Buffer.concat([archive, Buffer.alloc((512 - (archive.length % 512)) % 512)]);
}
