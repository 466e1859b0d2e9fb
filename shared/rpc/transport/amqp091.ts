/**
 * Just enough AMQP 0-9-1 to declare topology: exchanges, queues and bindings, and to delete them. The AMQP
 * 1.0 side cannot do this on RabbitMQ 3.x (v1 addresses bind nothing to an exchange) nor on 4.x (v2
 * addresses never declare), while both brokers speak 0-9-1 on the same port. A session is short-lived:
 * open, declare, close. Declaring is idempotent; RabbitMQ refuses a redeclaration with other flags (406
 * PRECONDITION_FAILED), which surfaces as a TopologyError naming the object.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { ErrorCode, TroveError } from '../../errors/index.js';
import type { BrokerHost } from './amqp-url.js';

/** Thrown when the broker refuses a declaration or the 0-9-1 handshake fails. */
export class TopologyError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.MESSAGING_UNAVAILABLE, message, details ? { details } : {});
  }
}

const FRAME_METHOD = 1;
const FRAME_HEARTBEAT = 8;
const FRAME_END = 0xce;

type TableValue = string | number | boolean | { long: number };

class Writer {
  private readonly parts: Buffer[] = [];
  octet(value: number): this {
    this.parts.push(Buffer.from([value]));
    return this;
  }
  short(value: number): this {
    const buffer = Buffer.alloc(2);
    buffer.writeUInt16BE(value);
    this.parts.push(buffer);
    return this;
  }
  long(value: number): this {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(value);
    this.parts.push(buffer);
    return this;
  }
  shortstr(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > 255) throw new TopologyError(`Name too long for AMQP: ${value.slice(0, 40)}...`);
    this.parts.push(Buffer.from([bytes.length]), bytes);
    return this;
  }
  longstr(value: string | Buffer): this {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.long(bytes.length);
    this.parts.push(bytes);
    return this;
  }
  table(entries: Record<string, TableValue>): this {
    const inner = new Writer();
    for (const [name, value] of Object.entries(entries)) {
      inner.shortstr(name);
      if (typeof value === 'string') inner.octet(0x53).longstr(value);
      else if (typeof value === 'boolean') inner.octet(0x74).octet(value ? 1 : 0);
      else if (typeof value === 'number') inner.octet(0x49).long(value >>> 0);
      else {
        const buffer = Buffer.alloc(8);
        buffer.writeBigInt64BE(BigInt(value.long));
        inner.octet(0x6c);
        inner.parts.push(buffer);
      }
    }
    return this.longstr(inner.build());
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function methodFrame(channel: number, classId: number, methodId: number, args: Buffer): Buffer {
  const payload = Buffer.concat([new Writer().short(classId).short(methodId).build(), args]);
  const header = Buffer.alloc(7);
  header.writeUInt8(FRAME_METHOD, 0);
  header.writeUInt16BE(channel, 1);
  header.writeUInt32BE(payload.length, 3);
  return Buffer.concat([header, payload, Buffer.from([FRAME_END])]);
}

interface MethodFrame {
  channel: number;
  classId: number;
  methodId: number;
  args: Buffer;
}

function readClose(args: Buffer): { code: number; text: string } {
  const code = args.readUInt16BE(0);
  const length = args.readUInt8(2);
  return { code, text: args.subarray(3, 3 + length).toString('utf8') };
}

/** Flags and arguments of a queue declaration. */
export interface QueueSpec {
  durable: boolean;
  autoDelete: boolean;
  /** Milliseconds an unused queue lives (`x-expires`). */
  expiresMs?: number;
}

/** An open 0-9-1 connection with one channel. */
export class TopologySession {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly frames: MethodFrame[] = [];
  private waiter: ((frame: MethodFrame | Error) => void) | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket, private readonly timeoutMs: number) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new TopologyError(`Broker connection failed: ${error.message}`)));
    socket.on('close', () => this.fail(new TopologyError('Broker closed the connection')));
  }

  /** Connects, authenticates (PLAIN) and opens channel 1 on `vhost`. */
  static async open(host: BrokerHost, vhost: string, options: { tls: boolean; timeoutMs: number }): Promise<TopologySession> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const onError = (error: Error): void => reject(new TopologyError(`Cannot connect to the broker at ${host.host}:${host.port}: ${error.message}`));
      const connected = options.tls
        ? connectTls({ host: host.host, port: host.port, servername: host.host }, () => resolve(connected))
        : connectTcp({ host: host.host, port: host.port }, () => resolve(connected));
      connected.once('error', onError);
      connected.setTimeout(options.timeoutMs, () => connected.destroy(new Error('timed out')));
    });
    socket.setTimeout(0);
    const session = new TopologySession(socket, options.timeoutMs);
    try {
      socket.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]));
      await session.expect(0, 10, 10);
      const response = Buffer.concat([Buffer.from([0]), Buffer.from(host.username, 'utf8'), Buffer.from([0]), Buffer.from(host.password, 'utf8')]);
      session.send(0, 10, 11, new Writer().table({ product: 'trove-ts' }).shortstr('PLAIN').longstr(response).shortstr('en_US').build());
      const tune = await session.expect(0, 10, 30);
      const channelMax = tune.args.readUInt16BE(0);
      const frameMax = tune.args.readUInt32BE(2);
      session.send(0, 10, 31, new Writer().short(channelMax).long(frameMax).short(0).build());
      session.send(0, 10, 40, new Writer().shortstr(vhost).shortstr('').octet(0).build());
      await session.expect(0, 10, 41);
      session.send(1, 20, 10, new Writer().shortstr('').build());
      await session.expect(1, 20, 11);
      return session;
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  /** Declares a topic (or other) exchange. */
  async declareExchange(name: string, type: string, flags: { durable: boolean; autoDelete: boolean }): Promise<void> {
    const bits = (flags.durable ? 2 : 0) | (flags.autoDelete ? 4 : 0);
    this.send(1, 40, 10, new Writer().short(0).shortstr(name).shortstr(type).octet(bits).table({}).build());
    await this.expect(1, 40, 11, `exchange '${name}'`);
  }

  /** Declares a queue. */
  async declareQueue(name: string, spec: QueueSpec): Promise<void> {
    const bits = (spec.durable ? 2 : 0) | (spec.autoDelete ? 8 : 0);
    const args: Record<string, TableValue> = spec.expiresMs === undefined ? {} : { 'x-expires': { long: spec.expiresMs } };
    this.send(1, 50, 10, new Writer().short(0).shortstr(name).octet(bits).table(args).build());
    await this.expect(1, 50, 11, `queue '${name}'`);
  }

  /** Binds a queue to an exchange with a routing key. */
  async bindQueue(queue: string, exchange: string, routingKey: string): Promise<void> {
    this.send(1, 50, 20, new Writer().short(0).shortstr(queue).shortstr(exchange).shortstr(routingKey).octet(0).table({}).build());
    await this.expect(1, 50, 21, `binding of '${queue}' to '${exchange}'`);
  }

  /** Deletes a queue (tests and tools). */
  async deleteQueue(name: string): Promise<void> {
    this.send(1, 50, 40, new Writer().short(0).shortstr(name).octet(0).build());
    await this.expect(1, 50, 41, `queue '${name}'`);
  }

  /** Deletes an exchange (tests and tools). */
  async deleteExchange(name: string): Promise<void> {
    this.send(1, 40, 20, new Writer().short(0).shortstr(name).octet(0).build());
    await this.expect(1, 40, 21, `exchange '${name}'`);
  }

  /** Closes the connection politely (best effort). */
  async close(): Promise<void> {
    if (this.failure === undefined) {
      try {
        this.send(0, 10, 50, new Writer().short(200).shortstr('bye').short(0).short(0).build());
        await this.expect(0, 10, 51);
      } catch {
        // closing anyway
      }
    }
    this.socket.destroy();
  }

  private send(channel: number, classId: number, methodId: number, args: Buffer): void {
    if (this.failure !== undefined) throw this.failure;
    this.socket.write(methodFrame(channel, classId, methodId, args));
  }

  private async expect(channel: number, classId: number, methodId: number, what = 'handshake'): Promise<MethodFrame> {
    const frame = await this.next();
    if (frame.classId === 20 && frame.methodId === 40) {
      const close = readClose(frame.args);
      this.socket.write(methodFrame(frame.channel, 20, 41, Buffer.alloc(0)));
      this.fail(new TopologyError(`Broker refused ${what}: ${close.code} ${close.text}`, { replyCode: close.code }));
      throw this.failure as Error;
    }
    if (frame.classId === 10 && frame.methodId === 50) {
      const close = readClose(frame.args);
      this.fail(new TopologyError(`Broker closed the connection during ${what}: ${close.code} ${close.text}`, { replyCode: close.code }));
      throw this.failure as Error;
    }
    if (frame.channel !== channel || frame.classId !== classId || frame.methodId !== methodId) {
      throw new TopologyError(`Unexpected AMQP method ${frame.classId}.${frame.methodId} during ${what}`);
    }
    return frame;
  }

  private next(): Promise<MethodFrame> {
    const queued = this.frames.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<MethodFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.fail(new TopologyError('Timed out waiting for the broker'));
        reject(this.failure);
      }, this.timeoutMs);
      this.waiter = (frame) => {
        clearTimeout(timer);
        this.waiter = undefined;
        if (frame instanceof Error) reject(frame);
        else resolve(frame);
      };
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.waiter?.(this.failure);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length >= 8 && this.buffer.subarray(0, 4).toString('latin1') === 'AMQP') {
        this.fail(new TopologyError('Broker does not speak AMQP 0-9-1'));
        return;
      }
      if (this.buffer.length < 7) return;
      const size = this.buffer.readUInt32BE(3);
      if (this.buffer.length < 8 + size) return;
      const type = this.buffer.readUInt8(0);
      const channel = this.buffer.readUInt16BE(1);
      const payload = this.buffer.subarray(7, 7 + size);
      if (this.buffer.readUInt8(7 + size) !== FRAME_END) {
        this.fail(new TopologyError('Malformed AMQP frame from the broker'));
        return;
      }
      this.buffer = this.buffer.subarray(8 + size);
      if (type === FRAME_HEARTBEAT || type !== FRAME_METHOD) continue;
      const frame = { channel, classId: payload.readUInt16BE(0), methodId: payload.readUInt16BE(2), args: payload.subarray(4) };
      if (this.waiter !== undefined) this.waiter(frame);
      else this.frames.push(frame);
    }
  }
}
