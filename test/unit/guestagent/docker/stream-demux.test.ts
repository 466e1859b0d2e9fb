import { expect } from 'chai';
import { encodeFrame, StreamDemuxer, StreamFramingError } from '../../../../guestagent/docker/stream-demux.js';

describe('StreamDemuxer', () => {
  it('splits interleaved stdout and stderr frames', () => {
    const demuxer = new StreamDemuxer();
    demuxer.push(Buffer.concat([encodeFrame('stdout', 'hello '), encodeFrame('stderr', 'oops'), encodeFrame('stdout', 'world')]));
    expect(demuxer.stdout).to.equal('hello world');
    expect(demuxer.stderr).to.equal('oops');
    expect(demuxer.combined).to.equal('hello oopsworld');
    expect(demuxer.hasPartialFrame).to.equal(false);
  });

  it('reassembles frames cut at every byte boundary', () => {
    const stream = Buffer.concat([encodeFrame('stdout', 'é1234'), encodeFrame('stderr', 'x'.repeat(300)), encodeFrame('stdout', 'end')]);
    for (let cut = 1; cut < stream.length; cut += 7) {
      const demuxer = new StreamDemuxer();
      for (let offset = 0; offset < stream.length; offset += cut) demuxer.push(stream.subarray(offset, offset + cut));
      expect(demuxer.stdout, `chunk size ${cut}`).to.equal('é1234end');
      expect(demuxer.stderr).to.equal('x'.repeat(300));
    }
  });

  it('reports a frame cut off by the end of the stream', () => {
    const demuxer = new StreamDemuxer();
    demuxer.push(encodeFrame('stdout', 'complete'));
    demuxer.push(encodeFrame('stdout', 'truncated').subarray(0, 10));
    expect(demuxer.stdout).to.equal('complete');
    expect(demuxer.hasPartialFrame).to.equal(true);
  });

  it('refuses bytes that are not Docker framing (a TTY stream)', () => {
    const demuxer = new StreamDemuxer();
    expect(() => demuxer.push(Buffer.from('plain text output from a tty'))).to.throw(StreamFramingError);
  });

  it('drops output beyond its limit instead of growing without bound', () => {
    const demuxer = new StreamDemuxer(10);
    demuxer.push(Buffer.concat([encodeFrame('stdout', '0123456789'), encodeFrame('stdout', 'more')]));
    expect(demuxer.stdout).to.equal('0123456789');
  });
});
