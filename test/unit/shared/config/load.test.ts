import { expect } from 'chai';
import {
  defaultConfig,
  generateSampleConfig,
  loadConfig,
  parseConfigArgs,
  parseIni,
  redactedConfig,
  schema,
  assertRpcKeys,
} from '../../../../shared/config/index.js';
import { ConfigError } from '../../../../shared/errors/index.js';
import { TempDir } from '../../../helpers/tmp.js';

describe('config loading', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = new TempDir();
  });
  afterEach(() => dir.cleanup());

  const load = (files: string[], dirs: string[] = []) => loadConfig({ configFiles: files, configDirs: dirs });

  it('parses every value type the way oslo.config does', () => {
    const file = dir.write('trove.conf', [
      '[DEFAULT]',
      'debug = YES',
      'enable_secure_rpc_messaging = off',
      'report_interval = 12',
      'bind_port = 18779',
      'management_networks = net-a, net-b ,net-c',
      "control_exchange = 'trove'",
      'datastore_registry_ext = mysql:a.b.C, redis:x.Y',
      'default_datastore =',
      '[guest_agent]',
      'heartbeat_jitter = 0.25',
      '[database]',
      'connection = mysql+pymysql://trove:secret@127.0.0.1/trove?charset=utf8',
    ].join('\n'));
    const { config, warnings } = load([file]);
    expect(warnings).to.deep.equal([]);
    expect(config.DEFAULT.debug).to.equal(true);
    expect(config.DEFAULT.enable_secure_rpc_messaging).to.equal(false);
    expect(config.DEFAULT.report_interval).to.equal(12);
    expect(config.DEFAULT.bind_port).to.equal(18779);
    expect(config.DEFAULT.management_networks).to.deep.equal(['net-a', 'net-b', 'net-c']);
    expect(config.DEFAULT.control_exchange).to.equal('trove');
    expect(config.DEFAULT.datastore_registry_ext).to.deep.equal({ mysql: 'a.b.C', redis: 'x.Y' });
    expect(config.DEFAULT.default_datastore).to.equal('');
    expect(config.guest_agent.heartbeat_jitter).to.equal(0.25);
    expect(config.database.connection).to.contain('mysql+pymysql://');
  });

  it('keeps Trove defaults for options that are not set', () => {
    const config = defaultConfig();
    expect(config.DEFAULT.bind_port).to.equal(8779);
    expect(config.DEFAULT.control_exchange).to.equal('openstack');
    expect(config.DEFAULT.agent_call_high_timeout).to.equal(180);
    expect(config.DEFAULT.usage_timeout).to.equal(1800);
    expect(config.DEFAULT.taskmanager_rpc_encr_key).to.equal(null);
    expect(config.mariadb.mount_point).to.equal('/var/lib/mysql');
    expect(config.postgresql.postgresql_port).to.equal(5432);
    expect(config.service_credentials.region_name).to.equal('RegionOne');
  });

  it('lets later --config-file win and reads --config-dir in name order after the files', () => {
    const first = dir.write('a.conf', '[DEFAULT]\nreport_interval = 1\nusage_timeout = 5\n');
    const second = dir.write('b.conf', '[DEFAULT]\nreport_interval = 2\n');
    dir.write('conf.d/20-late.conf', '[DEFAULT]\nusage_timeout = 20\n');
    dir.write('conf.d/10-early.conf', '[DEFAULT]\nusage_timeout = 10\nreboot_time_out = 7\n');
    dir.write('conf.d/ignored.txt', '[DEFAULT]\nreboot_time_out = 99\n');
    const { config, files } = load([first, second], [dir.join('conf.d')]);
    expect(config.DEFAULT.report_interval).to.equal(2);
    expect(config.DEFAULT.usage_timeout).to.equal(20);
    expect(config.DEFAULT.reboot_time_out).to.equal(7);
    expect(files.map((file) => file.split('/').pop())).to.deep.equal(['a.conf', 'b.conf', '10-early.conf', '20-late.conf']);
  });

  it('accumulates multi-valued options and joins continuation lines', () => {
    const data = parseIni('[DEFAULT]\nx = a\n  b\nx = c\n# comment\n; comment\n', 'f.conf');
    expect(data.get('DEFAULT')?.get('x')?.map((entry) => entry.value)).to.deep.equal(['a\nb', 'c']);
  });

  it('warns about unknown sections, options and deprecated names without failing', () => {
    const file = dir.write('trove.conf', '[DEFAULT]\nno_such_option = 1\ndefault_neutron_networks = n1\n[oslo_concurrency]\nlock_path = /x\n');
    const { config, warnings } = load([file]);
    expect(config.DEFAULT.management_networks).to.deep.equal(['n1']);
    expect(warnings).to.have.length(3);
    expect(warnings.join('\n')).to.contain('unknown option [DEFAULT] no_such_option');
    expect(warnings.join('\n')).to.contain('deprecated, use management_networks');
    expect(warnings.join('\n')).to.contain('unknown section [oslo_concurrency]');
  });

  for (const [line, expected] of [
    ['report_interval = soon', 'expected integer >= 1'],
    ['report_interval = 0', 'expected integer >= 1'],
    ['bind_port = 70000', 'expected port number'],
    ['debug = maybe', 'expected boolean'],
    ['auth_strategy = ldap', 'expected one of keystone, noauth'],
    ['datastore_registry_ext = nocolon', 'expected dict'],
  ] as const) {
    it(`rejects "${line}" naming the file, line, section, option and type`, () => {
      const file = dir.write('bad.conf', `[DEFAULT]\n\n${line}\n`);
      expect(() => load([file])).to.throw(ConfigError).that.satisfies((error: ConfigError) => {
        expect(error.message).to.contain(`${file}:3: [DEFAULT] ${line.split(' ')[0]}`);
        expect(error.message).to.contain(expected);
        return true;
      });
    });
  }

  it('rejects missing files, missing dirs and INI syntax errors', () => {
    expect(() => load([dir.join('nope.conf')])).to.throw(ConfigError, 'Config file not found');
    expect(() => load([], [dir.join('nodir')])).to.throw(ConfigError, 'Config directory not found');
    const noSection = dir.write('x.conf', 'debug = true\n');
    expect(() => load([noSection])).to.throw(ConfigError, 'outside of any [section]');
    const garbage = dir.write('y.conf', '[DEFAULT]\njust words\n');
    expect(() => load([garbage])).to.throw(ConfigError, 'y.conf:2');
  });

  it('splits --config-file and --config-dir out of the arguments', () => {
    expect(parseConfigArgs(['--config-file', 'a', '--config-file=b', 'db_sync', '--config-dir', 'd', '-v'])).to.deep.equal({
      configFiles: ['a', 'b'],
      configDirs: ['d'],
      rest: ['db_sync', '-v'],
    });
    expect(() => parseConfigArgs(['--config-file'])).to.throw(ConfigError);
  });

  it('never shows secret options in the redacted view', () => {
    const file = dir.write('s.conf', '[DEFAULT]\ntransport_url = rabbit://u:hunter2@h:5672/\n[database]\nconnection = mysql://u:hunter2@h/db\n[keystone_authtoken]\npassword = hunter2\n');
    const text = JSON.stringify(redactedConfig(load([file]).config));
    expect(text).not.to.contain('hunter2');
    expect(text).to.contain('***');
  });

  it('generates a sample with every option, its help and default', () => {
    const sample = generateSampleConfig();
    for (const [section, group] of Object.entries(schema)) {
      expect(sample).to.contain(`[${section}]`);
      for (const name of Object.keys(group)) expect(sample).to.match(new RegExp(`^#${name} = `, 'm'));
    }
    expect(sample).to.contain('#bind_port = 8779');
    expect(sample).to.contain('#taskmanager_rpc_encr_key = <None>');
    // The sample must itself load cleanly once uncommented defaults are removed: it is all comments.
    const file = dir.write('sample.conf', sample);
    expect(load([file]).warnings).to.deep.equal([]);
  });
});

describe('RPC key checks', () => {
  const key = 'x'.repeat(40);
  it('requires both controller keys when secure messaging is on', () => {
    expect(() => assertRpcKeys(defaultConfig(), 'controller')).to.throw(ConfigError, 'taskmanager_rpc_encr_key must be set');
    expect(() => assertRpcKeys(defaultConfig({ DEFAULT: { taskmanager_rpc_encr_key: key } }), 'controller')).to.throw(ConfigError, 'inst_rpc_key_encr_key');
    expect(() => assertRpcKeys(defaultConfig({ DEFAULT: { taskmanager_rpc_encr_key: key, inst_rpc_key_encr_key: key } }), 'controller')).not.to.throw();
  });

  it("refuses Trove's published default keys and short keys", () => {
    const published = 'bzH6y0SGmjuoY0FNSTptrhgieGXNDX6PIhvz';
    expect(() => assertRpcKeys(defaultConfig({ DEFAULT: { taskmanager_rpc_encr_key: published, inst_rpc_key_encr_key: key } }), 'controller')).to.throw(ConfigError, 'published default');
    expect(() => assertRpcKeys(defaultConfig({ DEFAULT: { instance_rpc_encr_key: 'short' } }), 'guest')).to.throw(ConfigError, 'at least 32');
  });

  it('requires nothing when secure messaging is off', () => {
    expect(() => assertRpcKeys(defaultConfig({ DEFAULT: { enable_secure_rpc_messaging: false } }), 'controller')).not.to.throw();
  });
});
