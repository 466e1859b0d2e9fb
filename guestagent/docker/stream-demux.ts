/**
 * Demultiplexes Docker's attach/exec stream. Without a TTY the engine sends stdout and stderr on one
 * connection as frames: an 8-byte header (stream type, three zero bytes, big-endian payload length) and the
 * payload. Frames may be split across, or packed into, network chunks in any way, so the decoder buffers.
 */

const HEADER_BYTES = 8;
const STDOUT = 1;
const STDERR = 2;

/** Thrown when the bytes are not Docker's multiplexed framing (e.g. a TTY stream was fed in). */
export class StreamFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamFramingError';
  }
}

/** Incremental decoder: feed chunks with `push`, read the collected output when the stream ends. */
export class StreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly stdoutChunks: Buffer[] = [];
  private readonly stderrChunks: Buffer[] = [];
  private readonly allChunks: Buffer[] = [];
  private outputBytes = 0;

  /** @param maxOutputBytes output beyond this is dropped (a runaway command cannot exhaust memory) */
  constructor(private readonly maxOutputBytes = 16 * 1024 * 1024) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= HEADER_BYTES) {
      const type = this.pending[0];
      if ((type !== 0 && type !== STDOUT && type !== STDERR) || this.pending[1] !== 0 || this.pending[2] !== 0 || this.pending[3] !== 0) {
        throw new StreamFramingError(`unexpected stream header byte ${String(type)}`);
      }
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER_BYTES + length) return;
      const payload = this.pending.subarray(HEADER_BYTES, HEADER_BYTES + length);
      this.pending = this.pending.subarray(HEADER_BYTES + length);
      if (this.outputBytes + payload.length > this.maxOutputBytes) continue;
      this.outputBytes += payload.length;
      const copy = Buffer.from(payload);
      if (type === STDOUT) this.stdoutChunks.push(copy);
      else if (type === STDERR) this.stderrChunks.push(copy);
      if (type !== 0) this.allChunks.push(copy);
    }
  }

  /** True when a frame was cut off by the end of the stream. */
  get hasPartialFrame(): boolean {
    return this.pending.length > 0;
  }

  get stdout(): string {
    return Buffer.concat(this.stdoutChunks).toString('utf8');
  }

  get stderr(): string {
    return Buffer.concat(this.stderrChunks).toString('utf8');
  }

  /** Both streams interleaved in arrival order (what `docker logs` prints). */
  get combined(): string {
    return Buffer.concat(this.allChunks).toString('utf8');
  }
}

/** Encodes one frame; the inverse of the decoder, for tests and fakes. */
export function encodeFrame(stream: 'stdout' | 'stderr', payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = stream === 'stdout' ? STDOUT : STDERR;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}
