import { expect } from 'chai';
import { statSync, writeFileSync } from 'node:fs';
import { StateStore } from '../../../../../guestagent/datastores/base/state-store.js';
import { TempDir } from '../../../../helpers/tmp.js';

describe('StateStore', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = new TempDir('trove-agent-state-');
  });
  afterEach(() => tmp.cleanup());

  it('records prepare completion in a marker that a new store (a restarted agent) sees', async () => {
    const store = new StateStore(tmp.join('conf.d'));
    expect(await store.isPrepared()).to.equal(false);
    await store.markPrepareStarted();
    await store.markPrepared();
    expect(await new StateStore(tmp.join('conf.d')).isPrepared()).to.equal(true);
    expect(statSync(tmp.join('conf.d')).mode & 0o777).to.equal(0o700);
    expect(statSync(tmp.join('conf.d', '.guestagent.prepare.end')).isFile()).to.equal(true);
  });

  it('records a failed prepare until the next attempt starts', async () => {
    const store = new StateStore(tmp.join('conf.d'));
    await store.markPrepareFailed('image missing');
    expect(await store.prepareFailure()).to.equal('image missing');
    await store.markPrepareStarted();
    expect(await store.prepareFailure()).to.equal(null);
  });

  it('persists the deployed version and user overrides, tolerating a corrupt file', async () => {
    const store = new StateStore(tmp.join('conf.d'));
    expect(await store.read()).to.deep.equal({});
    await store.write({ datastoreVersion: '10.11' });
    await store.writeUserOverrides({ max_connections: 10, sql_mode: 'ANSI', flag: true });
    expect(await store.read()).to.deep.equal({ datastoreVersion: '10.11' });
    expect(await store.readUserOverrides()).to.deep.equal({ max_connections: 10, sql_mode: 'ANSI', flag: true });
    writeFileSync(tmp.join('conf.d', 'guest-agent-state.json'), '{not json');
    expect(await store.read()).to.deep.equal({});
    await store.writeUserOverrides(null);
    expect(await store.readUserOverrides()).to.deep.equal({});
  });
});
