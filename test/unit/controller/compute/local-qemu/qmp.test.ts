/** The QMP client against an in-process monitor on a unix socket: greeting, capabilities, command, events, errors. */
import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { TroveError } from '../../../../../shared/errors/index.js';
import { qmpCommand } from '../../../../../controller/compute/local-qemu/index.js';
import { TempDir } from '../../../../helpers/tmp.js';

interface Monitor {
  server: Server;
  received: Array<Record<string, unknown>>;
}

async function monitor(path: string, answer: (command: Record<string, unknown>) => string[], greeting = '{"QMP": {"version": {}, "capabilities": []}}'): Promise<Monitor> {
  const received: Array<Record<string, unknown>> = [];
  const server = createServer((socket) => {
    socket.write(`${greeting}\n`);
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const command = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
        buffer = buffer.slice(newline + 1);
        received.push(command);
        for (const line of answer(command)) socket.write(`${line}\n`);
        newline = buffer.indexOf('\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { server, received };
}

describe('local-qemu QMP client', () => {
  let tmp: TempDir;
  let running: Monitor | undefined;

  beforeEach(() => {
    tmp = new TempDir();
  });

  afterEach(async () => {
    if (running !== undefined) await new Promise((resolve) => running!.server.close(resolve));
    running = undefined;
    tmp.cleanup();
  });

  it('negotiates capabilities, skips events and returns the command result', async () => {
    running = await monitor(tmp.join('qmp.sock'), (command) =>
      command['execute'] === 'qmp_capabilities' ? ['{"return": {}}'] : ['{"event": "POWERDOWN", "timestamp": {}}', '{"return": {"resized": true}}'],
    );
    const result = await qmpCommand(tmp.join('qmp.sock'), 'block_resize', { device: 'volume', size: 2 ** 31 });
    expect(result).to.deep.equal({ resized: true });
    expect(running.received).to.deep.equal([{ execute: 'qmp_capabilities' }, { execute: 'block_resize', arguments: { device: 'volume', size: 2 ** 31 } }]);
  });

  it('turns a QMP error into a BACKEND_ERROR naming the command', async () => {
    running = await monitor(tmp.join('qmp.sock'), (command) =>
      command['execute'] === 'qmp_capabilities' ? ['{"return": {}}'] : ['{"error": {"class": "GenericError", "desc": "Cannot grow device files"}}'],
    );
    const error = await qmpCommand(tmp.join('qmp.sock'), 'block_resize', {}).then(() => undefined, (failure: unknown) => failure);
    expect(error).to.be.instanceOf(TroveError);
    expect((error as TroveError).code).to.equal('BACKEND_ERROR');
    expect((error as Error).message).to.equal('qemu monitor command block_resize failed: GenericError: Cannot grow device files');
  });

  it('fails on a missing socket, a stranger that does not greet, and a silent monitor', async () => {
    await qmpCommand(tmp.join('absent.sock'), 'system_powerdown').then(() => expect.fail('no error'), (error: Error) => expect(error.message).to.match(/ENOENT/));
    running = await monitor(tmp.join('qmp.sock'), () => [], '{"hello": 1}');
    await qmpCommand(tmp.join('qmp.sock'), 'system_powerdown').then(() => expect.fail('no error'), (error: Error) => expect(error.message).to.match(/did not greet/));
    await new Promise((resolve) => running!.server.close(resolve));
    running = await monitor(tmp.join('qmp.sock'), () => []);
    await qmpCommand(tmp.join('qmp.sock'), 'system_powerdown', undefined, 300).then(() => expect.fail('no error'), (error: Error) => expect(error.message).to.match(/no answer within 300 ms/));
  });
});
