import { expect } from 'chai';
import { ConfigError } from '../../../../../shared/errors/index.js';
import { addressScheme, parseTransportUrl } from '../../../../../shared/rpc/index.js';

describe('transport_url', () => {
  it('parses credentials, several hosts and the vhost', () => {
    expect(parseTransportUrl('rabbit://trove:s%40cret@10.0.0.1:5673,10.0.0.2/openstack')).to.deep.equal({
      hosts: [
        { host: '10.0.0.1', port: 5673, username: 'trove', password: 's@cret' },
        { host: '10.0.0.2', port: 5672, username: 'trove', password: 's@cret' },
      ],
      vhost: 'openstack',
    });
    expect(parseTransportUrl('rabbit://')).to.deep.equal({ hosts: [{ host: 'localhost', port: 5672, username: 'guest', password: 'guest' }], vhost: '/' });
    expect(parseTransportUrl('rabbit://a:b@[::1]:5672/%2F').hosts[0]).to.include({ host: '::1', port: 5672 });
    expect(parseTransportUrl('rabbit://a:b@h/%2F').vhost).to.equal('/');
  });

  it('refuses other schemes and bad ports without echoing the password', () => {
    expect(() => parseTransportUrl('kafka://h')).to.throw(ConfigError);
    const error = (() => {
      try {
        parseTransportUrl('rabbit://u:topsecret@h:99999/');
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error).to.be.instanceOf(ConfigError);
    expect(error?.message).not.to.contain('topsecret');
  });
});

describe('AMQP 1.0 addresses', () => {
  it('uses RabbitMQ 3.x (v1) addresses: one exchange link with the routing key as subject', () => {
    const v1 = addressScheme('v1');
    expect(v1.publish('trove', 'guestagent.abc')).to.deep.equal({ target: '/exchange/trove', subject: 'guestagent.abc' });
    expect(v1.reply('reply_1')).to.deep.equal({ target: '/queue', subject: 'reply_1' });
    expect(v1.source('taskmanager')).to.equal('/amq/queue/taskmanager');
  });

  it('uses RabbitMQ 4.x (v2) addresses, percent-encoded', () => {
    const v2 = addressScheme('v2');
    expect(v2.publish('trove', 'guestagent.a/b')).to.deep.equal({ target: '/exchanges/trove/guestagent.a%2Fb' });
    expect(v2.reply('reply_1')).to.deep.equal({ target: '/queues/reply_1' });
    expect(v2.source('trove-conductor')).to.equal('/queues/trove-conductor');
  });
});
