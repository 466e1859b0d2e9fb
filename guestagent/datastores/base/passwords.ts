/** Generated datastore passwords: CSPRNG characters from an alphabet that needs no quoting anywhere. */
import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random password of `length` characters (`[<datastore>] default_password_length`). */
export function generatePassword(length: number): string {
  if (!Number.isInteger(length) || length < 8) throw new RangeError(`password length must be an integer >= 8, got ${length}`);
  let password = '';
  // randomInt draws without modulo bias.
  for (let index = 0; index < length; index++) password += ALPHABET[randomInt(ALPHABET.length)];
  return password;
}
