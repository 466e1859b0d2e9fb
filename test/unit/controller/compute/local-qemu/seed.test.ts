/** The NoCloud seed: the taskmanager's files plus the backend's broker file, the rewritten transport URL, meta-data. */
import { expect } from 'chai';
import { defaultConfig } from '../../../../../shared/config/index.js';
import { TroveError } from '../../../../../shared/errors/index.js';
import { parseTransportUrl } from '../../../../../shared/rpc/index.js';
import { parseWriteFiles } from '../../../../../controller/compute/local-process/index.js';
import { buildSeed, guestHostname, guestTransport, sourceTransportUrl } from '../../../../../controller/compute/local-qemu/index.js';
import type { GuestBoot } from '../../../../../controller/compute/ports.js';

const KEY = 'k'.repeat(32);

function boot(guestConfig = '[DEFAULT]\nreport_interval = 10\n', prefix?: string): GuestBoot {
  return {
    files: [
      { path: '/etc/trove/conf.d/guest_info.conf', content: `[DEFAULT]\nguest_id = i-1\ndatastore_manager = mariadb\ninstance_rpc_encr_key = ${KEY}\n`, owner: 'root:root' },
      { path: '/etc/trove/conf.d/trove-guestagent.conf', content: guestConfig, owner: 'root:root' },
    ],
    ...(prefix === undefined ? {} : { userDataPrefix: prefix }),
  };
}

const config = defaultConfig({
  DEFAULT: { transport_url: 'rabbit://ctl:ctl-secret@127.0.0.1:5672/', control_exchange: 'trove-x', conductor_queue: 'cond-x' },
});

describe('local-qemu seed', () => {
  it('carries the guest files and a trove-local-qemu.conf that points the agent at the relayed broker', () => {
    const seed = buildSeed(config, boot(), 'trove-s1', 'trove-abc');
    const files = parseWriteFiles(seed.userData);
    expect(files.map((file) => file.path)).to.deep.equal(['/etc/trove/conf.d/guest_info.conf', '/etc/trove/conf.d/trove-guestagent.conf', '/etc/trove/conf.d/trove-local-qemu.conf']);
    expect(files[0]!.content).to.include(`instance_rpc_encr_key = ${KEY}`);
    const qemuConf = files[2]!.content;
    expect(qemuConf).to.include('transport_url = rabbit://ctl:ctl-secret@10.0.2.100:5672/');
    expect(qemuConf).to.include('control_exchange = trove-x');
    expect(qemuConf).to.include('conductor_queue = cond-x');
    expect(files[2]!.owner).to.equal('root:root');
    expect(seed.forwards).to.deep.equal([{ guestPort: 5672, hostAddress: '127.0.0.1', hostPort: 5672 }]);
    expect(seed.metaData).to.equal('instance-id: trove-s1\nlocal-hostname: trove-abc\n');
  });

  it('rewrites the transport URL the guest config names before the controller one', () => {
    const fromGuest = boot('[DEFAULT]\ntransport_url = rabbit://agent:a%40b@localhost:5673/guests\n');
    expect(sourceTransportUrl(config, fromGuest)).to.equal('rabbit://agent:a%40b@localhost:5673/guests');
    const seed = buildSeed(config, fromGuest, 'trove-s1', 'trove-abc');
    const url = /transport_url = (.*)/.exec(parseWriteFiles(seed.userData)[2]!.content)![1]!;
    expect(parseTransportUrl(url)).to.deep.equal({ hosts: [{ host: '10.0.2.100', port: 5673, username: 'agent', password: 'a@b' }], vhost: 'guests' });
    expect(seed.forwards).to.deep.equal([{ guestPort: 5673, hostAddress: '127.0.0.1', hostPort: 5673 }]);
    const viaLocalCompute = defaultConfig({ DEFAULT: { transport_url: 'rabbit://a:b@127.0.0.1:5672/' }, local_compute: { guest_transport_url: 'rabbit://g:h@127.0.0.2:5674/' } });
    expect(sourceTransportUrl(viaLocalCompute, boot())).to.equal('rabbit://g:h@127.0.0.2:5674/');
  });

  it('relays every broker of a failover URL on its own port', () => {
    const transport = guestTransport('rabbit://u:p@127.0.0.1:5672,127.0.0.2:5673/', '10.0.2.100');
    expect(transport.url).to.equal('rabbit://u:p@10.0.2.100:5672,u:p@10.0.2.100:5673/');
    expect(transport.forwards).to.deep.equal([
      { guestPort: 5672, hostAddress: '127.0.0.1', hostPort: 5672 },
      { guestPort: 5673, hostAddress: '127.0.0.2', hostPort: 5673 },
    ]);
  });

  it('refuses brokers off the loopback and two brokers on one port', () => {
    expect(() => guestTransport('rabbit://u:p@192.0.2.10:5672/', '10.0.2.100')).to.throw(TroveError, /not on this host's loopback/);
    expect(() => guestTransport('rabbit://u:p@broker.example:5672/', '10.0.2.100')).to.throw(TroveError, /loopback/);
    expect(() => guestTransport('rabbit://u:p@127.0.0.1:5672,127.0.0.2:5672/', '10.0.2.100')).to.throw(TroveError, /share port 5672/);
    expect(() => buildSeed(defaultConfig({ DEFAULT: { transport_url: 'rabbit://u:p@10.1.1.1:5672/' } }), boot(), 'trove-s1', 'trove-abc')).to.throw(TroveError, /loopback/);
  });

  it('never leaks the broker password into error messages', () => {
    try {
      guestTransport('rabbit://u:top-secret@192.0.2.10:5672/', '10.0.2.100');
      expect.fail('no error');
    } catch (error) {
      expect((error as Error).message).not.to.include('top-secret');
    }
  });

  it('keeps a cloudinit prefix as its own MIME part and still adds the broker file', () => {
    const seed = buildSeed(config, boot(undefined, '#!/bin/sh\necho prefix\n'), 'trove-s1', 'trove-abc');
    expect(seed.userData).to.match(/^Content-Type: multipart\/mixed/);
    expect(seed.userData).to.include('echo prefix');
    expect(parseWriteFiles(seed.userData).map((file) => file.path)).to.include('/etc/trove/conf.d/trove-local-qemu.conf');
  });

  it('refuses an unsafe instance-id or hostname, and derives a host name from the instance id', () => {
    expect(() => buildSeed(config, boot(), 'bad id\ninjected: 1', 'trove-abc')).to.throw(TroveError, /instance-id/);
    expect(() => buildSeed(config, boot(), 'trove-s1', 'Bad_Host')).to.throw(TroveError, /hostname/);
    expect(guestHostname('0b1e6a0c-8b59-4a4b-9c2e-2f7e1a1d5c3e')).to.equal('trove-0b1e6a0c8b59');
  });
});
