/**
 * Runs host programs (blkid, mkfs, mount, umount, resize2fs) without a shell: arguments are passed as an
 * array, so a device path or option can never be interpreted as shell syntax. Non-zero exits are results,
 * not exceptions; the caller decides what an exit code means (blkid's 2 is "nothing found").
 */
import { execFile } from 'node:child_process';

/** What a host program did: its exit code and output. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a program on the host; injectable so volume logic can be unit tested. */
export type CommandRunner = (program: string, args: readonly string[], options?: { timeoutMs?: number }) => Promise<CommandResult>;

/** Thrown when a host program cannot be started or exceeds its time limit. */
export class HostCommandError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostCommandError';
  }
}

/** The real runner, over `execFile`. @default timeout 120 s */
export const runHostCommand: CommandRunner = (program, args, options = {}) =>
  new Promise((resolve, reject) => {
    execFile(program, [...args], { timeout: options.timeoutMs ?? 120_000, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ exitCode: 0, stdout, stderr });
        return;
      }
      const failure = error as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string | null };
      if (typeof failure.code === 'number') {
        resolve({ exitCode: failure.code, stdout, stderr });
        return;
      }
      if (failure.killed || failure.signal) {
        reject(new HostCommandError(`${program} was stopped (${failure.signal ?? 'timeout'}) after ${options.timeoutMs ?? 120_000} ms`, { cause: error }));
        return;
      }
      reject(new HostCommandError(`cannot run ${program}: ${failure.message}`, { cause: error }));
    });
  });
