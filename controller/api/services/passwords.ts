/** Generated passwords (root on create, root enable without a password): CSPRNG, letters and digits. */
import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random password of `length` characters from [A-Za-z0-9] (about 5.95 bits each). */
export function generatePassword(length: number): string {
  let password = '';
  for (let index = 0; index < length; index++) password += ALPHABET[randomInt(ALPHABET.length)];
  return password;
}
