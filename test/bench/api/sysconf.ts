/** Kernel constants the CPU accounting needs (USER_HZ is 100 on Linux for every supported architecture). */
import { execFileSync } from 'node:child_process';

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

export const sysconf = { clockTicks: clockTicks() };
