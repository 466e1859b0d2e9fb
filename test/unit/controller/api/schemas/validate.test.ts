import { expect } from 'chai';
import { validateBody, pythonRepr } from '../../../../../controller/api/schemas/validate.js';
import { instanceCreate, instanceEdit, instanceUpdate, resizeVolumeAction } from '../../../../../controller/api/schemas/instances.js';
import { backupCreate } from '../../../../../controller/api/schemas/backups.js';
import { userCreate } from '../../../../../controller/api/schemas/users.js';
import { datastoreVersionCreate } from '../../../../../controller/api/schemas/mgmt.js';
import { ValidationError } from '../../../../../shared/errors/index.js';

function failure(schema: Record<string, unknown>, body: unknown): string {
  try {
    validateBody(schema, body);
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a validation error');
}

describe('request schemas (Trove apischema)', () => {
  it('accepts the bodies the stock CLI sends', () => {
    validateBody(instanceCreate, { instance: { name: 'db1', flavorRef: '1', volume: { size: 1, type: null }, datastore: { type: 'mysql', version: '5.7' }, access: { is_public: false } } });
    validateBody(instanceCreate, {
      instance: {
        name: 'db2', flavorRef: 'd2', volume: { size: 2, type: 'lvm' }, databases: [{ name: 'db1' }, { name: 'db2' }],
        users: [{ name: 'u1', password: 'pw1', databases: [{ name: 'db1' }, { name: 'db2' }] }], availability_zone: 'nova',
        datastore: { type: 'mysql', version: '5.7.29' },
        nics: [{ network_id: '0f4cd2e2-24f5-44e4-b2a4-8a3e2c1f6f0a', subnet_id: '1f4cd2e2-24f5-44e4-b2a4-8a3e2c1f6f0a', ip_address: '192.0.2.10' }],
        access: { is_public: true, allowed_cidrs: ['198.51.100.0/24', '192.0.2.0/24'] },
      },
    });
    validateBody(instanceCreate, { instance: { name: 'x', flavorRef: 3, volume: { size: '007' } } });
    validateBody(backupCreate, { backup: { name: 'b1', incremental: 0, instance: '0f4cd2e2-24f5-44e4-b2a4-8a3e2c1f6f0a', description: 'nightly' } });
    validateBody(userCreate, { users: [{ name: 'u4', password: 'pw4', databases: [] }] });
  });

  it('reports failures with Trove\'s paths and jsonschema wording', () => {
    expect(failure(instanceCreate, { instance: {} })).to.equal("Validation error: instance 'name' is a required property");
    expect(failure(instanceCreate, { instance: { name: '' } })).to.contain("instance['name'] '' is too short");
    expect(failure(instanceCreate, { instance: { name: '---' } })).to.contain("instance['name'] '---' does not match '^.*[0-9a-zA-Z]+.*$'");
    expect(failure(instanceCreate, { instance: { name: 'a', volume: { size: 0 } } })).to.contain("instance['volume']['size'] 0 is not valid under any of the given schemas");
    expect(failure(instanceCreate, { instance: { name: 'a', replica_count: 4 } })).to.contain('4 is greater than the maximum of 3');
    expect(failure(instanceCreate, { instance: { name: 'a', nics: [{ 'net-id': 'x', foo: 1 }] } })).to.contain("instance['nics'][0] Additional properties are not allowed ('foo' was unexpected)");
    expect(failure(instanceCreate, [])).to.equal("Validation error: [] is not of type 'object'");
    expect(failure(resizeVolumeAction, { resize: { volume: { size: 'abc' } } })).to.contain("resize['volume']['size']");
    expect(failure(backupCreate, { backup: { name: 'b', incremental: 2 } })).to.contain("backup['incremental'] 2 is greater than the maximum of 1");
    expect(failure(datastoreVersionCreate, { version: { name: 'v', datastore_name: 'd', datastore_manager: 'mysql', active: 'yes' } })).to.contain("'yes' is not one of [True, False]");
  });

  it('keeps PUT and PATCH bodies closed like Trove', () => {
    validateBody(instanceUpdate, { instance: { name: 'n', access: { is_public: true } } });
    validateBody(instanceEdit, { instance: { slave_of: null } });
    expect(failure(instanceUpdate, { instance: { slave_of: 'x' } })).to.contain("Additional properties are not allowed ('slave_of' was unexpected)");
    expect(failure(instanceEdit, { instance: { access: {} } })).to.contain("'access' was unexpected");
  });

  it('shortens huge values in messages', () => {
    const message = failure(instanceCreate, { instance: { name: 'x'.repeat(100000) } });
    expect(message.length).to.be.lessThan(400);
    expect(pythonRepr({ a: [true, null, 'it\'s'] })).to.equal("{'a': [True, None, 'it\\'s']}");
  });
});
