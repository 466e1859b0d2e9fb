import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { ConfigError, TroveError } from '../../../../../shared/errors/index.js';
import { AddressPool, parseAddressRange, toAddress } from '../../../../../controller/compute/local-process/addresses.js';
import { TempDir } from '../../../../helpers/tmp.js';

describe('local-process addresses', () => {
  let tmp: TempDir;

  beforeEach(() => {
    tmp = new TempDir();
  });
  afterEach(() => tmp.cleanup());

  it('parses loopback ranges and skips network, broadcast and 127.0.0.1', () => {
    const range = parseAddressRange('127.10.3.0/24');
    expect(toAddress(range.first)).to.equal('127.10.3.1');
    expect(toAddress(range.last)).to.equal('127.10.3.254');
    expect(toAddress(parseAddressRange('127.0.0.0/16').first)).to.equal('127.0.0.2');
  });

  it('refuses ranges outside loopback, malformed ones and ones too small', () => {
    expect(() => parseAddressRange('10.0.0.0/8')).to.throw(ConfigError, /loopback/);
    expect(() => parseAddressRange('127.10.0.0')).to.throw(ConfigError, /prefix/);
    expect(() => parseAddressRange('127.10.0.0/31')).to.throw(ConfigError, /prefix/);
    expect(() => parseAddressRange('127.300.0.0/16')).to.throw(ConfigError);
  });

  it('hands out the lowest free address once, even to concurrent callers, and takes it back', async () => {
    const pool = new AddressPool({ range: parseAddressRange('127.10.250.0/29'), directory: tmp.join('addresses'), probePorts: [] });
    const taken = await Promise.all(['a', 'b', 'c', 'd'].map((owner) => pool.allocate(owner)));
    expect([...taken].sort()).to.deep.equal(['127.10.250.1', '127.10.250.2', '127.10.250.3', '127.10.250.4']);
    await pool.release('127.10.250.2', 'not-the-owner');
    expect((await pool.allocated()).has('127.10.250.2')).to.equal(true);
    const owner = (await pool.allocated()).get('127.10.250.2')!;
    await pool.release('127.10.250.2', owner);
    expect(await pool.allocate('e')).to.equal('127.10.250.2');
  });

  it('gives a wanted address only when it is in the range and free, and says so when the range is full', async () => {
    const pool = new AddressPool({ range: parseAddressRange('127.10.251.0/30'), directory: tmp.join('addresses'), probePorts: [] });
    expect(await pool.allocate('a', '127.10.251.2')).to.equal('127.10.251.2');
    await expectRejection(pool.allocate('b', '127.10.251.2'), /in use/);
    await expectRejection(pool.allocate('b', '127.10.9.9'), /not in 127\.10\.251\.0\/30/);
    expect(await pool.allocate('c')).to.equal('127.10.251.1');
    await expectRejection(pool.allocate('d'), /No free address left/);
  });

  it('skips an address on which something already listens', async () => {
    const listener: Server = createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.10.252.1', resolve));
    const port = (listener.address() as { port: number }).port;
    try {
      const pool = new AddressPool({ range: parseAddressRange('127.10.252.0/29'), directory: tmp.join('addresses'), probePorts: [port] });
      expect(await pool.allocate('a')).to.equal('127.10.252.2');
    } finally {
      listener.close();
    }
  });
});

async function expectRejection(promise: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(TroveError);
    expect((error as Error).message).to.match(message);
    return;
  }
  expect.fail('expected a rejection');
}
