/** Temporary directories for tests, removed by `cleanup()` (call it in `after`/`afterEach`). */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export class TempDir {
  readonly path: string;

  constructor(prefix = 'trove-ts-test-') {
    this.path = mkdtempSync(join(tmpdir(), prefix));
  }

  /** Writes a file under the directory and returns its path. */
  write(relative: string, text: string): string {
    const file = join(this.path, relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  }

  join(...parts: string[]): string {
    return join(this.path, ...parts);
  }

  cleanup(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
