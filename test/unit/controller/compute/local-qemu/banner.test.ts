/**
 * Readiness by banner against in-process servers on 127.0.0.1: a MySQL greeting or error packet and a
 * PostgreSQL SSLRequest answer count; a connection that is accepted and closed (what qemu's user networking
 * does when nothing listens in the guest), a silent one, garbage and a refused port do not.
 */
import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { datastoreAnswers, isMysqlGreeting, isPostgresAnswer } from '../../../../../controller/compute/local-qemu/index.js';

const GREETING = Buffer.concat([Buffer.from([0x0e, 0, 0, 0, 0x0a]), Buffer.from('10.11.6-MariaDB\0', 'latin1')]);
const HOST_BLOCKED = Buffer.concat([Buffer.from([0x40, 0, 0, 0, 0xff, 0x6a, 0x04]), Buffer.from("Host '10.0.2.2' is not allowed to connect", 'latin1')]);

const connections = new Set<Socket>();

async function serve(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('local-qemu banner readiness', () => {
  const servers: Server[] = [];

  async function port(onConnection: (socket: Socket) => void): Promise<number> {
    const started = await serve(onConnection);
    servers.push(started.server);
    return started.port;
  }

  afterEach(async () => {
    for (const socket of connections) socket.destroy();
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  it('recognises a MySQL greeting and a MySQL error packet', async () => {
    expect(await datastoreAnswers('127.0.0.1', await port((socket) => socket.end(GREETING)), 'mysql')).to.equal(true);
    expect(await datastoreAnswers('127.0.0.1', await port((socket) => socket.end(HOST_BLOCKED)), 'mysql')).to.equal(true);
  });

  it('sends an SSLRequest and recognises PostgreSQL answering it', async () => {
    let request: Buffer | undefined;
    const answering = await port((socket) => socket.once('data', (data: Buffer) => {
      request = data;
      socket.end('N');
    }));
    expect(await datastoreAnswers('127.0.0.1', answering, 'postgresql')).to.equal(true);
    expect(request?.toString('hex')).to.equal('0000000804d2162f');
  });

  it('does not take an accepted-then-closed, silent or garbled connection for a database', async () => {
    expect(await datastoreAnswers('127.0.0.1', await port((socket) => socket.end()), 'mysql')).to.equal(false);
    expect(await datastoreAnswers('127.0.0.1', await port((socket) => socket.end()), 'postgresql')).to.equal(false);
    expect(await datastoreAnswers('127.0.0.1', await port(() => undefined), 'mysql', 300)).to.equal(false);
    expect(await datastoreAnswers('127.0.0.1', await port((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n')), 'mysql')).to.equal(false);
    expect(await datastoreAnswers('127.0.0.1', await port((socket) => socket.end('HTTP/1.1 400')), 'postgresql')).to.equal(false);
  });

  it('reports a refused port as not ready without throwing', async () => {
    const closed = await serve(() => undefined);
    const free = closed.port;
    await new Promise((resolve) => closed.server.close(resolve));
    expect(await datastoreAnswers('127.0.0.1', free, 'mysql')).to.equal(false);
  });

  it('parses packets exactly', () => {
    expect(isMysqlGreeting(GREETING)).to.equal(true);
    expect(isMysqlGreeting(Buffer.from([0x0e, 0, 0, 1, 0x0a]))).to.equal(false);
    expect(isMysqlGreeting(Buffer.from([0, 0, 0, 0, 0x0a]))).to.equal(false);
    expect(isMysqlGreeting(Buffer.from([0x0e, 0]))).to.equal(false);
    expect(isPostgresAnswer(Buffer.from('S'))).to.equal(true);
    expect(isPostgresAnswer(Buffer.from('H'))).to.equal(false);
  });
});
