/**
 * Database readiness as a real answer from the engine. qemu's user-mode networking accepts a connection on a
 * forwarded host port even when nothing listens in the guest, then closes it (guest-vm-recipe §4), so a
 * successful connect proves nothing. MySQL and MariaDB speak first: a greeting packet (protocol 10) or an
 * error packet (e.g. "Host ... is not allowed"), both of which prove a server. PostgreSQL waits for the
 * client: an SSLRequest is answered with one byte, `S` or `N` (or `E` from a server refusing it).
 */
import { connect, type Socket } from 'node:net';

/** The wire protocol family of a datastore. */
export type BannerKind = 'mysql' | 'postgresql';

// Int32 length 8, then the SSLRequest code 80877103.
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** True when `data` starts like a MySQL server's first packet: sequence 0, then a greeting or an error. */
export function isMysqlGreeting(data: Buffer): boolean {
  if (data.length < 5) return false;
  const length = data.readUIntLE(0, 3);
  return length > 0 && data[3] === 0 && (data[4] === 0x0a || data[4] === 0xff);
}

/** True when `data` is a PostgreSQL server's answer to an SSLRequest. */
export function isPostgresAnswer(data: Buffer): boolean {
  return data.length >= 1 && (data[0] === 0x53 || data[0] === 0x4e || data[0] === 0x45);
}

/**
 * Connects to `host:port` and reports whether a database of `kind` answers within `timeoutMs`. Never
 * throws: a refused, reset or silent connection is simply not ready.
 */
export function datastoreAnswers(host: string, port: number, kind: BannerKind, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (answered: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answered);
    };
    const socket: Socket = connect({ host, port });
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('connect', () => {
      if (kind === 'postgresql') socket.write(SSL_REQUEST);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (kind === 'mysql' ? received.length >= 5 : received.length >= 1) finish(kind === 'mysql' ? isMysqlGreeting(received) : isPostgresAnswer(received));
    });
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}
