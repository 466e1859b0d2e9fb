import { expect } from 'chai';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { CredentialStore } from '../../../../../guestagent/datastores/base/credentials.js';
import { TempDir } from '../../../../helpers/tmp.js';

describe('CredentialStore', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = new TempDir('trove-agent-creds-');
  });
  afterEach(() => tmp.cleanup());

  it('writes [client] files with mode 0600 and reads them back', async () => {
    const store = new CredentialStore(tmp.path);
    await store.write('os_admin', { user: 'os_admin', password: 's3cret=with;chars', host: '127.0.0.1', port: 3306 });
    const path = store.path('os_admin');
    expect(statSync(path).mode & 0o777).to.equal(0o600);
    expect(readFileSync(path, 'utf8')).to.equal('[client]\nuser = os_admin\npassword = s3cret=with;chars\nhost = 127.0.0.1\nport = 3306\n');
    expect(await store.read('os_admin')).to.deep.equal({ user: 'os_admin', password: 's3cret=with;chars', host: '127.0.0.1', port: 3306 });
    expect(readdirSync(tmp.path)).to.deep.equal(['os_admin.cnf']);
  });

  it('replaces a file atomically and removes it', async () => {
    const store = new CredentialStore(tmp.path);
    await store.write('root', { user: 'root', password: 'one' });
    await store.write('root', { user: 'root', password: 'two' });
    expect((await store.read('root'))?.password).to.equal('two');
    await store.remove('root');
    expect(await store.read('root')).to.equal(null);
  });

  it('reads Trove-written files and ignores other sections', async () => {
    writeFileSync(tmp.join('os_admin.cnf'), '[mysqld]\nuser = nope\n\n[client]\nuser=os_admin\npassword=abc\n');
    expect(await new CredentialStore(tmp.path).read('os_admin')).to.deep.equal({ user: 'os_admin', password: 'abc' });
  });

  it('treats a missing or unusable file as absent and refuses line breaks in secrets', async () => {
    const store = new CredentialStore(tmp.path);
    expect(await store.read('missing')).to.equal(null);
    writeFileSync(tmp.join('broken.cnf'), '[client]\npassword = x\n');
    expect(await store.read('broken')).to.equal(null);
    let caught: unknown;
    try {
      await store.write('bad', { user: 'u', password: 'a\nb' });
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(Error);
    expect(await store.read('bad')).to.equal(null);
  });
});
