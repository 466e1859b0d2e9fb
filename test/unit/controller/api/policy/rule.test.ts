import { expect } from 'chai';
import { evaluate, parseRule, type Check } from '../../../../../controller/api/policy/index.js';

const rules = new Map<string, Check>();
function define(name: string, text: string): void {
  rules.set(name, parseRule(text).check);
}
define('admin', 'role:admin or is_admin:True');
define('admin_or_owner', 'rule:admin or project_id:%(tenant)s');

function allows(text: string, credentials: Record<string, unknown>, target: Record<string, unknown> = {}): boolean {
  const parsed = parseRule(text);
  return evaluate(parsed.check, { credentials, target }, (name) => rules.get(name));
}

const owner = { project_id: 'p1', roles: ['member'], is_admin: false };
const admin = { project_id: 'p9', roles: ['Admin'], is_admin: true };

describe('policy rule language', () => {
  it('evaluates Trove\'s base rules', () => {
    expect(allows('rule:admin_or_owner', owner, { tenant: 'p1' })).to.equal(true);
    expect(allows('rule:admin_or_owner', owner, { tenant: 'p2' })).to.equal(false);
    expect(allows('rule:admin_or_owner', admin, { tenant: 'p2' })).to.equal(true);
    expect(allows('rule:admin', { ...owner, is_admin: true }, {})).to.equal(true);
  });

  it('matches roles case-insensitively and substitutes targets into role checks', () => {
    expect(allows('role:ADMIN', admin)).to.equal(true);
    expect(allows('role:%(wanted)s', owner, { wanted: 'Member' })).to.equal(true);
    expect(allows('role:%(missing)s', owner, {})).to.equal(false);
  });

  it('handles and/or/not precedence and parentheses', () => {
    expect(allows('role:member or role:x and role:y', owner)).to.equal(true);
    expect(allows('(role:member or role:x) and role:y', owner)).to.equal(false);
    expect(allows('not role:admin', owner)).to.equal(true);
    expect(allows('not (role:member or role:admin)', owner)).to.equal(false);
    expect(allows('((role:member))', owner)).to.equal(true);
    expect(allows('role:member AND NOT role:admin', owner)).to.equal(true);
  });

  it('knows @, ! and the empty rule', () => {
    expect(allows('@', owner)).to.equal(true);
    expect(allows('!', owner)).to.equal(false);
    expect(allows('', owner)).to.equal(true);
    expect(allows('  ', owner)).to.equal(true);
    expect(allows('! or @', owner)).to.equal(true);
  });

  it('compares generic checks as Python strings, with literals and dotted paths', () => {
    expect(allows('is_admin:True', admin)).to.equal(true);
    expect(allows('is_admin:True', owner)).to.equal(false);
    expect(allows("'p1':%(tenant)s", owner, { tenant: 'p1' })).to.equal(true);
    expect(allows("'p1':%(tenant)s", owner, { tenant: 'p2' })).to.equal(false);
    expect(allows('user.domain:Default', { user: { domain: 'Default' } })).to.equal(true);
    expect(allows('groups.name:dba', { groups: [{ name: 'ops' }, { name: 'dba' }] })).to.equal(true);
    expect(allows('project_id:%(tenant)s', owner, {})).to.equal(false);
    expect(allows('project_id:%(tenant)s', { project_id: null }, { tenant: null })).to.equal(true);
  });

  it('supports the legacy list-of-lists form', () => {
    expect(allows([['role:admin'], ['project_id:%(tenant)s']] as unknown as string, owner, { tenant: 'p1' })).to.equal(true);
    expect(allows([['role:admin', 'project_id:%(tenant)s']] as unknown as string, owner, { tenant: 'p1' })).to.equal(false);
    expect(allows([] as unknown as string, owner)).to.equal(true);
  });

  it('denies what it cannot parse, and says why', () => {
    for (const bad of ['role:admin or', '(role:admin', 'role:admin)', 'and role:admin', 'noColonHere', 'http://x/check']) {
      const parsed = parseRule(bad);
      expect(evaluate(parsed.check, { credentials: admin, target: {} }, (name) => rules.get(name)), bad).to.equal(false);
    }
    expect(parseRule('role:admin or').error).to.match(/cannot parse/);
    expect(parseRule(42).error).to.match(/string/);
  });

  it('denies unknown rule references and cycles instead of looping', () => {
    expect(allows('rule:nope', admin)).to.equal(false);
    rules.set('loop', parseRule('rule:loop').check);
    expect(allows('rule:loop', admin)).to.equal(false);
  });
});
