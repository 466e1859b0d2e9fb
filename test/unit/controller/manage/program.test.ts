import { expect } from 'chai';
import { ConfigError, NotFoundError, ValidationError } from '../../../../shared/errors/index.js';
import { exitStatusFor, runManage } from '../../../../controller/manage/program.js';
import { usageError } from '../../../../controller/manage/runtime.js';
import type { ManageCommandRegistration } from '../../../../controller/manage/commands/index.js';
import { TempDir } from '../../../helpers/tmp.js';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

async function manage(args: string[], extra: ManageCommandRegistration[] = []): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const status = await runManage(['node', 'trove-manage', ...args], extra, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { status, stdout, stderr };
}

function oneLine(run: Run): string {
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines, run.stderr).to.have.length(1);
  return lines[0]!;
}

describe('trove-manage program', () => {
  let tmp: TempDir;
  let unreachable: string;

  beforeEach(() => {
    tmp = new TempDir();
    // Nothing listens on port 1: a command that reached the database would fail with exit status 1.
    unreachable = tmp.write('trove.conf', '[database]\nconnection = mysql://root@127.0.0.1:1/trove\nmax_retries = 0\n');
  });
  afterEach(() => tmp.cleanup());

  it('prints a sample config with generate-config', async () => {
    const run = await manage(['generate-config']);
    expect(run.status).to.equal(0);
    expect(run.stdout).to.include('[database]');
    expect(run.stderr).to.equal('');
  });

  it('exits 2 with one line for an unknown command or missing arguments', async () => {
    let run = await manage(['db_frobnicate']);
    expect(run.status).to.equal(2);
    expect(oneLine(run)).to.equal("trove-manage: unknown command 'db_frobnicate' (see --help)");
    run = await manage(['datastore_update', 'mysql']);
    expect(run.status).to.equal(2);
    expect(oneLine(run)).to.match(/missing required argument 'default_version'/);
  });

  it('prints help and exits 2 without a command', async () => {
    const run = await manage([]);
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include('db_load_datastore_config_parameters');
  });

  it('refuses bad datastore_version_update arguments before touching the database', async () => {
    const base = ['--config-file', unreachable, 'datastore_version_update', 'mysql', '8.0'];
    let run = await manage([...base, 'mysql', 'img', 'pkgs', '2']);
    expect(run.status).to.equal(2);
    expect(oneLine(run)).to.equal("trove-manage: active must be 0 or 1, got '2'");
    run = await manage([...base, 'oracle', 'img', 'pkgs', '1']);
    expect(run.status).to.equal(2);
    expect(oneLine(run)).to.equal("trove-manage: unknown datastore manager 'oracle'; expected one of mysql, mariadb, postgresql");
    run = await manage([...base, 'mysql', '', 'pkgs', '1']);
    expect(run.status).to.equal(2);
    expect(oneLine(run)).to.match(/image_id is empty/);
    run = await manage([...base, 'mysql', 'x'.repeat(37), 'pkgs', '1']);
    expect(run.status).to.equal(2);
    expect(oneLine(run)).to.match(/image_id is longer than 36 characters/);
  });

  it('accepts managers added by datastore_registry_ext', async () => {
    const conf = tmp.write('ext.conf', '[DEFAULT]\ndatastore_registry_ext = oracle:x.y.Manager\n[database]\nconnection = mysql://root@127.0.0.1:1/trove\nmax_retries = 0\n');
    const run = await manage(['--config-file', conf, 'datastore_version_update', 'oracle', '19', 'oracle', 'img', '', '1']);
    expect(run.status).to.equal(1);
    expect(oneLine(run)).to.match(/^trove-manage: Cannot connect to the database mysql:\/\/root@127\.0\.0\.1:1\/trove/);
  });

  it('refuses a bad rules file before touching the database', async () => {
    const rules = tmp.write('rules.json', '{"configuration-parameters": [{"name": "x", "restart_required": "no", "type": "string"}]}');
    const run = await manage(['--config-file', unreachable, 'db_load_datastore_config_parameters', 'mysql', '8.0', rules]);
    expect(run.status).to.equal(1);
    expect(oneLine(run)).to.match(/"restart_required" must be true or false/);
    const missing = await manage(['--config-file', unreachable, 'db_load_datastore_config_parameters', 'mysql', '8.0', tmp.join('nope.json')]);
    expect(oneLine(missing)).to.match(/cannot read .*nope\.json: no such file/);
  });

  it('exits 2 for configuration errors, naming the option', async () => {
    const conf = tmp.write('sqlite.conf', '[database]\nconnection = sqlite:////var/lib/trove/trove.db\n');
    const run = await manage(['db_sync', '--config-file', conf]);
    expect(run.status).to.equal(2);
    expect(oneLine(run)).to.match(/^trove-manage: \[database\] connection: unsupported database 'sqlite:\/\/'/);
    const absent = await manage(['--config-file', tmp.join('absent.conf'), 'db_sync']);
    expect(absent.status).to.equal(2);
  });

  it('exits 1 when the database cannot be reached, without leaking the password', async () => {
    const conf = tmp.write('pw.conf', '[database]\nconnection = mysql://trove:Sup3rSecret@127.0.0.1:1/trove\nmax_retries = 0\n');
    const run = await manage(['--config-file', conf, 'db_sync']);
    expect(run.status).to.equal(1);
    expect(oneLine(run)).to.include('trove:***@127.0.0.1:1');
    expect(run.stderr + run.stdout).not.to.include('Sup3rSecret');
  });

  it('runs extra commands registered by other modules', async () => {
    const extra: ManageCommandRegistration = (program, runtime) => {
      program.command('extra-report').action(() => runtime.say('policy'));
    };
    const run = await manage(['extra-report'], [extra]);
    expect(run).to.deep.equal({ status: 0, stdout: 'policy\n', stderr: '' });
  });

  it('maps errors to exit statuses', () => {
    expect(exitStatusFor(new ConfigError('x'))).to.equal(2);
    expect(exitStatusFor(usageError('x'))).to.equal(2);
    expect(exitStatusFor(new ValidationError('bad file'))).to.equal(1);
    expect(exitStatusFor(new NotFoundError('x'))).to.equal(1);
    expect(exitStatusFor(new Error('x'))).to.equal(1);
  });
});
