/**
 * A one-shot client of qemu's QMP monitor (a unix socket per VM, `-qmp unix:<dir>/qmp.sock,server=on,
 * wait=off`): connect, read the greeting, negotiate capabilities, run one command, close. Used for the
 * guest's ACPI power button (`system_powerdown`) and growing a volume while the VM runs (`block_resize`).
 * Lines are JSON objects; asynchronous `event` lines may arrive at any time and are skipped.
 */
import { connect } from 'node:net';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';

function qmpError(command: string, message: string, cause?: unknown): TroveError {
  return new TroveError(ErrorCode.BACKEND_ERROR, `qemu monitor command ${command} failed: ${message}`, { details: { service: 'qemu', method: command, status: 500 }, cause });
}

/**
 * Runs `command` with `args` on the QMP socket at `socketPath`; resolves with its `return` value.
 * @throws TroveError BACKEND_ERROR when the socket cannot be reached, qemu answers with an error, or no answer
 *   comes within `timeoutMs`
 */
export function qmpCommand(socketPath: string, command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath });
    let buffer = '';
    let stage: 'greeting' | 'capabilities' | 'command' = 'greeting';
    let settled = false;
    const finish = (error: TroveError | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(value);
      else reject(error);
    };
    const timer = setTimeout(() => finish(qmpError(command, `no answer within ${timeoutMs} ms`)), timeoutMs);
    const send = (execute: string, arguments_?: Record<string, unknown>) => socket.write(`${JSON.stringify(arguments_ === undefined ? { execute } : { execute, arguments: arguments_ })}\n`);
    const handle = (message: Record<string, unknown>) => {
      if ('event' in message) return;
      if (stage === 'greeting') {
        if (!('QMP' in message)) return finish(qmpError(command, 'the socket did not greet like a QMP monitor'));
        stage = 'capabilities';
        send('qmp_capabilities');
        return;
      }
      const failure = message['error'] as { class?: string; desc?: string } | undefined;
      if (failure !== undefined) return finish(qmpError(command, `${failure.class ?? 'Error'}: ${failure.desc ?? 'unknown'}`));
      if (!('return' in message)) return;
      if (stage === 'capabilities') {
        stage = 'command';
        send(command, args);
        return;
      }
      finish(undefined, message['return']);
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0 && !settled) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line !== '') {
          try {
            handle(JSON.parse(line) as Record<string, unknown>);
          } catch (error) {
            finish(qmpError(command, 'the monitor sent something that is not JSON', error));
          }
        }
        newline = buffer.indexOf('\n');
      }
    });
    socket.once('error', (error) => finish(qmpError(command, error.message, error)));
    socket.once('close', () => finish(qmpError(command, 'the monitor closed the connection')));
  });
}
