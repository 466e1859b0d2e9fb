/**
 * A VM's serial console (`console.log`, appended across boots) as the sign that the guest is up: cloud-init
 * prints `Cloud-init v. <version> finished at ...` on the console at the end of every boot, after
 * `write_files` put the agent's configuration in place and just before the agent's unit starts. Only text
 * written since the current boot's qemu was launched counts (the backend records the file's size then).
 */
import { open, stat } from 'node:fs/promises';

/** cloud-init's final message (its default `final_message`), printed once per boot. */
export const BOOT_FINISHED = /Cloud-init v\. \S+ finished at /;

/** Longest stretch of console read per check; a boot writes far less. */
const MAX_READ_BYTES = 8 * 1024 * 1024;

/** The size of the console log, 0 when it does not exist yet. */
export async function consoleSize(file: string): Promise<number> {
  return stat(file).then(
    (info) => info.size,
    () => 0,
  );
}

/** The console text written after `offset` (at most the last 8 MB of it). */
export async function consoleSince(file: string, offset: number): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = (await handle.stat()).size;
    const start = Math.max(offset, size - MAX_READ_BYTES);
    if (size <= start) return '';
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('latin1');
  } finally {
    await handle.close();
  }
}

/** True when the boot that started at `offset` has finished. */
export async function bootFinished(file: string, offset: number): Promise<boolean> {
  return BOOT_FINISHED.test(await consoleSince(file, offset));
}
