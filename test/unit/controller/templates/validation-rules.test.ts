import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ValidationError } from '../../../../shared/errors/index.js';
import { parseValidationRules, type ValidationRule } from '../../../../controller/templates/validation-rules.js';

/** The repository root: the first ancestor of this compiled file that holds package.json. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the test');
    dir = parent;
  }
  return dir;
}

function shipped(manager: string): ValidationRule[] {
  const file = join(repositoryRoot(), 'controller', 'templates', manager, 'validation-rules.json');
  return parseValidationRules(readFileSync(file, 'utf8'), file);
}

function refused(text: string): string {
  try {
    parseValidationRules(text, 'rules.json');
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as Error).message).not.to.include('\n');
    return (error as Error).message;
  }
  expect.fail('expected the rules to be refused');
}

const rule = (fields: Record<string, unknown>) => JSON.stringify({ 'configuration-parameters': [{ name: 'x', restart_required: false, type: 'integer', ...fields }] });

describe('validation rules', () => {
  describe('shipped files', () => {
    for (const [manager, atLeast] of [['mysql', 40], ['mariadb', 40], ['postgresql', 30]] as const) {
      it(`${manager}/validation-rules.json is valid and has at least ${atLeast} rules`, () => {
        const rules = shipped(manager);
        expect(rules.length).to.be.at.least(atLeast);
      });
    }

    it('marks the MySQL/MariaDB tunables as the engines document them', () => {
      for (const manager of ['mysql', 'mariadb']) {
        const rules = new Map(shipped(manager).map((entry) => [entry.name, entry]));
        expect(rules.get('max_connections'), manager).to.include({ type: 'integer', restartRequired: false });
        expect(rules.get('long_query_time'), manager).to.include({ type: 'float', restartRequired: false });
        expect(rules.get('slow_query_log'), manager).to.include({ type: 'boolean', restartRequired: false });
        expect(rules.get('character_set_server'), manager).to.include({ type: 'string' });
        expect(rules.get('auto_increment_increment'), manager).to.deep.equal({ name: 'auto_increment_increment', restartRequired: false, type: 'integer', min: '1', max: '65535' });
        expect(rules.get('innodb_flush_method')?.restartRequired, manager).to.equal(true);
        expect(rules.get('performance_schema')?.restartRequired, manager).to.equal(true);
      }
      expect(shipped('mysql').find((entry) => entry.name === 'innodb_log_file_size')?.restartRequired).to.equal(true);
      expect(shipped('mariadb').find((entry) => entry.name === 'query_cache_size')?.max).to.equal('18446744073709551615');
    });

    it('marks postmaster-context PostgreSQL settings as restart-required', () => {
      const rules = new Map(shipped('postgresql').map((entry) => [entry.name, entry]));
      for (const name of ['max_connections', 'shared_buffers', 'wal_level', 'max_worker_processes']) expect(rules.get(name)?.restartRequired, name).to.equal(true);
      for (const name of ['work_mem', 'statement_timeout', 'checkpoint_timeout', 'log_min_duration_statement']) expect(rules.get(name)?.restartRequired, name).to.equal(false);
      expect(rules.get('random_page_cost')?.type).to.equal('float');
    });
  });

  it('keeps the exact text of bounds beyond 2^53', () => {
    const text = '{"configuration-parameters": [{"name": "x", "restart_required": false, "type": "integer", "min": 0, "max": 18446744073709551615}]}';
    const [parsed] = parseValidationRules(text, 'rules.json');
    expect(parsed).to.deep.equal({ name: 'x', restartRequired: false, type: 'integer', min: '0', max: '18446744073709551615' });
  });

  it('accepts decimal bounds for float rules and rules without bounds', () => {
    const text = JSON.stringify({
      'configuration-parameters': [
        { name: 'f', restart_required: true, type: 'float', min: 0, max: 99.999 },
        { name: 's', restart_required: false, type: 'string' },
      ],
    });
    expect(parseValidationRules(text, 'rules.json')).to.deep.equal([
      { name: 'f', restartRequired: true, type: 'float', min: '0', max: '99.999' },
      { name: 's', restartRequired: false, type: 'string' },
    ]);
  });

  it('refuses malformed JSON with the parser position', () => {
    expect(refused('{"configuration-parameters": [')).to.match(/^rules\.json: not valid JSON: /);
  });

  it('refuses a document without the list', () => {
    expect(refused('[]')).to.match(/must be a JSON object/);
    expect(refused('{"parameters": []}')).to.match(/"configuration-parameters" is missing or not a list/);
  });

  it('refuses an unknown type', () => {
    expect(refused(rule({ type: 'bigint' }))).to.equal('rules.json: configuration-parameters[0] (x): "type" must be one of integer, string, boolean, float, got "bigint"');
  });

  it('refuses a restart_required that is not a boolean', () => {
    expect(refused(rule({ restart_required: 'yes' }))).to.match(/"restart_required" must be true or false, got "yes"/);
    expect(refused(rule({ restart_required: 1 }))).to.match(/got 1$/);
  });

  it('refuses a missing or bad name', () => {
    expect(refused(JSON.stringify({ 'configuration-parameters': [{ restart_required: true, type: 'string' }] }))).to.match(/\[0\]: "name" is missing/);
    expect(refused(rule({ name: 'bad name;' }))).to.match(/must be 1-128 letters/);
  });

  it('refuses bad bounds', () => {
    expect(refused(rule({ min: '5' }))).to.match(/"min" must be a number/);
    expect(refused(rule({ max: 1.5 }))).to.match(/"max" of an integer rule must be an integer, got 1.5/);
    expect(refused(rule({ type: 'string', min: 1 }))).to.match(/only allowed for integer and float/);
    expect(refused(rule({ min: 10, max: 9 }))).to.match(/"min" 10 is greater than "max" 9/);
  });

  it('refuses unknown keys and names that differ only in case', () => {
    expect(refused(rule({ 'restart-required': true }))).to.match(/unknown key "restart-required"/);
    const text = JSON.stringify({ 'configuration-parameters': [{ name: 'A', restart_required: true, type: 'string' }, { name: 'a', restart_required: true, type: 'string' }] });
    expect(refused(text)).to.match(/\[1\] \(a\): duplicate of configuration-parameters\[0\]/);
  });

  it('reports the first problem and counts the rest on one line', () => {
    const text = JSON.stringify({ 'configuration-parameters': [{ name: 'a', type: 'x' }, 7] });
    expect(refused(text)).to.match(/^rules\.json: configuration-parameters\[0\] \(a\): "restart_required" .* \(and 2 more problems\)$/);
  });
});
