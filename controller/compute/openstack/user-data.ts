/**
 * Renders a guest's first-boot files as cloud-init user data (reference §8.2 step 5, §14.11): a
 * `#cloud-config` document with one `write_files` entry per file (`encoding: b64`, `owner`, `path`,
 * `content`). Used by the openstack backend (Nova `user_data`) and usable by local-qemu (NoCloud seed).
 */
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../../shared/errors/index.js';
import type { GuestBoot } from '../ports.js';

/** Nova's limit on `user_data`, counted on the base64 text. */
export const MAX_NOVA_USER_DATA_BYTES = 65_535;

/** MIME types cloud-init gives a part by its first line. */
const PART_TYPES: ReadonlyArray<[string, string]> = [
  ['#cloud-config', 'text/cloud-config'],
  ['#!', 'text/x-shellscript'],
  ['#cloud-boothook', 'text/cloud-boothook'],
  ['#include', 'text/x-include-url'],
  ['#part-handler', 'text/part-handler'],
];

/**
 * The user data text for `boot`. Without a prefix it is the `#cloud-config` document itself, byte for byte
 * what Trove writes. With a `<manager>.cloudinit` prefix, both travel as parts of a MIME multipart message,
 * because cloud-init reads one document per part and a plain concatenation would lose one of them.
 * @throws ValidationError for a relative path, or a path or owner with a line break
 */
export function renderUserData(boot: GuestBoot): string {
  const lines = ['#cloud-config', 'write_files:'];
  for (const file of boot.files) {
    if (!file.path.startsWith('/')) throw new ValidationError(`Injected file path '${file.path}' must be absolute.`);
    if (/[\r\n]/.test(file.path) || /[\r\n]/.test(file.owner)) throw new ValidationError('Injected file paths and owners must be one line.');
    lines.push(
      '  - encoding: b64',
      `    owner: ${yamlScalar(file.owner)}`,
      `    path: ${yamlScalar(file.path)}`,
      `    content: ${Buffer.from(file.content, 'utf8').toString('base64')}`,
    );
  }
  const cloudConfig = `${lines.join('\n')}\n`;
  const prefix = boot.userDataPrefix;
  if (prefix === undefined || prefix.trim() === '') return cloudConfig;
  return multipart([prefix, cloudConfig]);
}

/** `renderUserData` as Nova wants it: base64. */
export function encodeNovaUserData(boot: GuestBoot): string {
  return Buffer.from(renderUserData(boot), 'utf8').toString('base64');
}

function multipart(parts: string[]): string {
  const boundary = `===============trove${randomBytes(12).toString('hex')}==`;
  const out = [`Content-Type: multipart/mixed; boundary="${boundary}"`, 'MIME-Version: 1.0', ''];
  parts.forEach((part, index) => {
    const firstLine = part.trimStart().split('\n', 1)[0] ?? '';
    const type = PART_TYPES.find(([marker]) => firstLine.startsWith(marker))?.[1] ?? 'text/plain';
    out.push(
      `--${boundary}`,
      `Content-Type: ${type}; charset="utf-8"`,
      'MIME-Version: 1.0',
      'Content-Transfer-Encoding: 8bit',
      `Content-Disposition: attachment; filename="part-${index + 1}"`,
      '',
      part.endsWith('\n') ? part.slice(0, -1) : part,
    );
  });
  out.push(`--${boundary}--`, '');
  return out.join('\n');
}

/** Plain YAML scalar when safe, otherwise a JSON (= YAML double-quoted) string. */
function yamlScalar(value: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : JSON.stringify(value);
}
