/**
 * SCRAM-SHA-256 password verifiers (RFC 5802/7677, PostgreSQL's stored format). The agent sends
 * `PASSWORD 'SCRAM-SHA-256$...'` instead of the password itself: utility statements cannot take bound
 * parameters, and a statement that fails is echoed into the server log, which must never hold a password.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** PostgreSQL's default `scram_iterations`. */
const ITERATIONS = 4096;

/**
 * The verifier PostgreSQL stores for `password`. Passwords are NFKC-normalized first, the core of the
 * SASLprep the server applies to a plaintext password (identical for ASCII).
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = ITERATIONS): string {
  const salted = pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
