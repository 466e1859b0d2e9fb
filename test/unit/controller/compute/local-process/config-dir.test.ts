import { expect } from 'chai';
import { readFileSync, statSync } from 'node:fs';
import { defaultConfig } from '../../../../../shared/config/index.js';
import { TroveError } from '../../../../../shared/errors/index.js';
import { renderUserData } from '../../../../../controller/compute/openstack/user-data.js';
import { deliverBootFiles, hostPath, parseWriteFiles, renderHostConfig } from '../../../../../controller/compute/local-process/config-dir.js';
import { TempDir } from '../../../../helpers/tmp.js';

const files = [
  { path: '/etc/trove/conf.d/guest_info.conf', content: '[DEFAULT]\nguest_id = i-1\n', owner: 'root:root' },
  { path: '/etc/trove/conf.d/trove-guestagent.conf', content: '# a comment: with "quotes"\n[DEFAULT]\ndebug = true\n', owner: 'odd owner:root' },
];

describe('local-process config dir', () => {
  let tmp: TempDir;

  beforeEach(() => {
    tmp = new TempDir();
  });
  afterEach(() => tmp.cleanup());

  it('reads back exactly the files cloud-init would write, from plain and multipart user data', () => {
    expect(parseWriteFiles(renderUserData({ files }))).to.deep.equal(files);
    expect(parseWriteFiles(renderUserData({ files, userDataPrefix: '#!/bin/sh\necho first\n' }))).to.deep.equal(files);
  });

  it('refuses user data without a cloud-config part, and paths that leave the instance directory', () => {
    expect(() => parseWriteFiles('#!/bin/sh\necho no config\n')).to.throw(TroveError, /no #cloud-config/);
    expect(() => hostPath('/srv/i-1', '/../../etc/passwd')).to.throw(TroveError, /leaves the instance directory/);
    expect(hostPath('/srv/i-1', '/etc/trove/conf.d/x.conf')).to.equal('/srv/i-1/etc/trove/conf.d/x.conf');
  });

  it('writes the files under the instance root, private to the controller user', async () => {
    await deliverBootFiles(tmp.path, { files });
    const info = tmp.join('etc/trove/conf.d/guest_info.conf');
    expect(readFileSync(info, 'utf8')).to.equal(files[0]!.content);
    expect(statSync(info).mode & 0o777).to.equal(0o600);
    expect(readFileSync(tmp.join('etc/trove/conf.d/trove-guestagent.conf'), 'utf8')).to.equal(files[1]!.content);
    expect(readFileSync(tmp.join('user-data'), 'utf8')).to.match(/^#cloud-config\nwrite_files:/);
  });

  it('places the agent on its address, container name and volume, with the controller\'s messaging settings', () => {
    const config = defaultConfig({ DEFAULT: { transport_url: 'rabbit://u:p@127.0.0.1:5672/', control_exchange: 'trove-e2e' }, local_compute: { guest_transport_url: null } });
    const text = renderHostConfig(config, { instanceId: 'i-1', manager: 'postgresql', address: '127.10.0.7', mountPoint: '/srv/v/data', dockerImage: 'trove/postgresql' });
    expect(text).to.include('transport_url = rabbit://u:p@127.0.0.1:5672/\ncontrol_exchange = trove-e2e\n');
    expect(text).to.include('[guest_agent]\ncontainer_name = trove-i-1\ndatastore_bind_host = 127.10.0.7\n');
    expect(text).to.include('[postgresql]\ndevice_path =\nmount_point = /srv/v/data\ndocker_image = trove/postgresql\n');
    const own = renderHostConfig(defaultConfig({ local_compute: { guest_transport_url: 'rabbit://g:g@127.0.0.1:5672/' } }), { instanceId: 'i', manager: 'mariadb', address: '127.10.0.8', mountPoint: '/m' });
    expect(own).to.include('transport_url = rabbit://g:g@127.0.0.1:5672/');
    expect(() => renderHostConfig(config, { instanceId: 'i', manager: 'mariadb', address: '127.10.0.8', mountPoint: '/m\n[DEFAULT]' })).to.throw(TroveError, /line break/);
  });
});
