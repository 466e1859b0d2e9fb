import { expect } from 'chai';
import { defaultConfig } from '../../../../../shared/config/index.js';
import { silentLogger } from '../../../../../shared/logging/index.js';
import type { EngineContext } from '../../../../../guestagent/datastores/base/engine.js';
import { createPostgresqlEngine, renderPostgresValue } from '../../../../../guestagent/datastores/postgresql/engine.js';
import { scramVerifier } from '../../../../../guestagent/datastores/postgresql/scram.js';

const engine = createPostgresqlEngine();
const context: EngineContext = {
  mountPoint: '/var/lib/postgresql',
  bindHost: '0.0.0.0',
  connectHost: '127.0.0.1',
  port: 5432,
  serviceUid: 1001,
  serviceGid: 1001,
  options: defaultConfig().postgresql,
  connectTimeoutMs: 1000,
  logger: silentLogger(),
};

describe('PostgreSQL engine', () => {
  it('quotes string values as literals', () => {
    expect(renderPostgresValue("it's")).to.equal("'it''s'");
    expect(renderPostgresValue('a\\b')).to.equal("'a\\\\b'");
    expect(renderPostgresValue(true)).to.equal('on');
    expect(renderPostgresValue(64)).to.equal('64');
  });

  it('listens on every address for a wildcard bind and limits os_admin to loopback', () => {
    const system = engine.systemFiles(context, engine.layout(context));
    expect(system.overrides).to.contain("listen_addresses = '*'").and.contain("hba_file = '/etc/postgresql/pg_hba.conf'");
    const hba = system.files.find((file) => file.path.endsWith('pg_hba.conf'))?.text ?? '';
    const lines = hba.split('\n').filter((line) => line.startsWith('host'));
    expect(lines[0]).to.match(/^host\s+all\s+os_admin\s+127\.0\.0\.1\/32\s+scram-sha-256$/);
    expect(lines[1]).to.match(/^host\s+all\s+os_admin\s+all\s+reject$/);
  });

  it('appends include_dir at the end only when missing', () => {
    const rendered = engine.renderDefaultConfig(1024);
    expect(engine.withInclude(rendered)).to.equal(rendered);
    expect(engine.withInclude('max_connections = 10')).to.equal("max_connections = 10\n\ninclude_dir = '/etc/postgresql/conf.d'\n");
  });

  it('builds SCRAM-SHA-256 verifiers in PostgreSQL\'s format, salted per call', () => {
    const salt = Buffer.from('0123456789abcdef');
    const verifier = scramVerifier('pencil', salt);
    expect(verifier).to.match(/^SCRAM-SHA-256\$4096:MDEyMzQ1Njc4OWFiY2RlZg==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(scramVerifier('pencil', salt)).to.equal(verifier);
    expect(scramVerifier('pencil')).to.not.equal(scramVerifier('pencil'));
    expect(verifier).to.not.contain('pencil');
  });
});
