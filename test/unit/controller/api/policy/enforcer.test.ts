import { expect } from 'chai';
import { utimesSync } from 'node:fs';
import yaml from 'js-yaml';
import { DEFAULT_RULES, PolicyEnforcer, PolicyNotAuthorizedError, generatePolicyYaml, resolvePolicyFile } from '../../../../../controller/api/policy/index.js';
import { ConfigError } from '../../../../../shared/errors/index.js';
import { silentLogger } from '../../../../../shared/logging/index.js';
import { TempDir } from '../../../../helpers/tmp.js';

const owner = { project_id: 'p1', user_id: 'u1', roles: ['member'], is_admin: false };
const admin = { project_id: 'p9', user_id: 'a', roles: ['admin'], is_admin: true };

describe('PolicyEnforcer', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = new TempDir();
  });
  afterEach(() => dir.cleanup());

  it('applies Trove\'s defaults without a file', () => {
    const policy = new PolicyEnforcer({ logger: silentLogger() });
    expect(policy.check('instance:create', { tenant: 'p1' }, owner)).to.equal(true);
    expect(policy.check('instance:show', { tenant: 'p2' }, owner)).to.equal(false);
    expect(policy.check('instance:reset_status', { tenant: 'p1' }, owner)).to.equal(false);
    expect(policy.check('instance:reset_status', { tenant: 'p1' }, admin)).to.equal(true);
    expect(policy.check('datastore:index', { tenant: 'p1' }, { ...owner, project_id: 'other' })).to.equal(true);
    expect(policy.check('backup:index:all_projects', { tenant: 'p1' }, owner)).to.equal(false);
    // An action without a rule falls back to `default` (admin_or_owner).
    expect(policy.check('made:up', { tenant: 'p1' }, owner)).to.equal(true);
    expect(policy.check('made:up', { tenant: 'p2' }, owner)).to.equal(false);
  });

  it('throws PolicyNotAuthorized with Trove\'s message', () => {
    const policy = new PolicyEnforcer({ logger: silentLogger() });
    expect(() => policy.authorize('instance:delete', { tenant: 'p2' }, owner)).to.throw(PolicyNotAuthorizedError, "Policy doesn't allow instance:delete to be performed.");
  });

  it('overrides rules from a YAML file and reloads it when it changes', () => {
    const file = dir.write('policy.yaml', '"instance:create": "role:dba"\n');
    const policy = new PolicyEnforcer({ file, logger: silentLogger(), reloadCheckMs: 0 });
    expect(policy.check('instance:create', { tenant: 'p1' }, owner)).to.equal(false);
    expect(policy.check('instance:create', { tenant: 'p1' }, { ...owner, roles: ['dba'] })).to.equal(true);
    expect(policy.check('instance:delete', { tenant: 'p1' }, owner)).to.equal(true);
    dir.write('policy.yaml', '"instance:create": "@"\n"instance:delete": "!"\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(policy.check('instance:create', { tenant: 'p1' }, owner)).to.equal(true);
    expect(policy.check('instance:delete', { tenant: 'p1' }, owner)).to.equal(false);
  });

  it('reads JSON files too', () => {
    const file = dir.write('policy.json', JSON.stringify({ 'flavor:index': 'role:admin' }));
    const policy = new PolicyEnforcer({ file, logger: silentLogger() });
    expect(policy.check('flavor:index', { tenant: 'p1' }, owner)).to.equal(false);
    expect(policy.check('flavor:index', { tenant: 'p1' }, admin)).to.equal(true);
  });

  it('refuses to start with a broken file and keeps the last good rules on a broken reload', () => {
    const bad = dir.write('bad.yaml', 'instance:create: [unclosed\n');
    expect(() => new PolicyEnforcer({ file: bad, logger: silentLogger() })).to.throw(ConfigError, /not valid YAML/);
    const notMap = dir.write('list.yaml', '- a\n- b\n');
    expect(() => new PolicyEnforcer({ file: notMap, logger: silentLogger() })).to.throw(ConfigError, /must map/);
    const file = dir.write('policy.yaml', '"instance:create": "!"\n');
    const policy = new PolicyEnforcer({ file, logger: silentLogger(), reloadCheckMs: 0 });
    dir.write('policy.yaml', '"instance:create": {nested: true}\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(policy.check('instance:create', { tenant: 'p1' }, owner)).to.equal(false);
  });

  it('denies a rule that does not parse (fail closed)', () => {
    const file = dir.write('policy.yaml', '"instance:index": "role:member or"\n');
    const policy = new PolicyEnforcer({ file, logger: silentLogger() });
    expect(policy.check('instance:index', { tenant: 'p1' }, owner)).to.equal(false);
  });

  it('finds relative policy files next to the config file', () => {
    const config = dir.write('etc/trove.conf', '[DEFAULT]\n');
    const file = dir.write('etc/policy.yaml', '{}\n');
    expect(resolvePolicyFile('policy.yaml', [config])).to.equal(file);
    expect(resolvePolicyFile('/abs/p.yaml', [config])).to.equal('/abs/p.yaml');
    expect(resolvePolicyFile('', [config])).to.equal(undefined);
  });

  it('generates a YAML sample that parses back to the defaults', () => {
    const text = generatePolicyYaml();
    expect(text).to.contain('# Create an instance.\n# POST /v1.0/{account_id}/instances\n"instance:create": "rule:admin_or_owner"');
    const parsed = yaml.load(text) as Record<string, string>;
    expect(Object.keys(parsed)).to.have.length(DEFAULT_RULES.length);
    for (const rule of DEFAULT_RULES) expect(parsed[rule.name], rule.name).to.equal(rule.check);
    const file = dir.write('generated.yaml', text);
    const policy = new PolicyEnforcer({ file, logger: silentLogger() });
    expect(policy.check('instance:reset_status', { tenant: 'p1' }, owner)).to.equal(false);
  });
});
