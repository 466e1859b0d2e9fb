import { expect } from 'chai';
import { ValidationError } from '../../../../../shared/errors/index.js';
import { encodeNovaUserData, renderUserData } from '../../../../../controller/compute/openstack/index.js';
import { guestFiles } from './helpers/cloud.js';

describe('openstack user data (cloud-init write_files)', () => {
  it('renders Trove\'s #cloud-config write_files document, one b64 entry per file', () => {
    const fixture = guestFiles();
    expect(renderUserData({ files: fixture.files })).to.equal(fixture.userData);
    expect(Buffer.from(encodeNovaUserData({ files: fixture.files }), 'base64').toString('utf8')).to.equal(fixture.userData);
  });

  it('round-trips file contents exactly, including non-ASCII text', () => {
    const content = '[DEFAULT]\nname = Zürich ✓\n';
    const text = renderUserData({ files: [{ path: '/etc/trove/conf.d/x.conf', owner: 'root:root', content }] });
    const encoded = /content: (\S+)/.exec(text)?.[1];
    expect(Buffer.from(encoded!, 'base64').toString('utf8')).to.equal(content);
  });

  it('quotes paths YAML would misread', () => {
    const text = renderUserData({ files: [{ path: '/etc/trove/conf.d/a file#1.conf', owner: 'root:root', content: '' }] });
    expect(text).to.include('    path: "/etc/trove/conf.d/a file#1.conf"\n');
  });

  it('sends a <manager>.cloudinit prefix and the cloud-config as two MIME parts', () => {
    const fixture = guestFiles();
    const text = renderUserData({ files: fixture.files, userDataPrefix: '#!/bin/sh\necho hello\n' });
    const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
    expect(boundary).to.be.a('string');
    const parts = text.split(`--${boundary}`);
    expect(parts).to.have.length(4);
    expect(parts[1]).to.include('Content-Type: text/x-shellscript').and.include('echo hello');
    expect(parts[2]).to.include('Content-Type: text/cloud-config').and.include(fixture.userData.trimEnd());
    expect(parts[3]).to.equal('--\n');
  });

  it('treats a blank prefix as none', () => {
    const fixture = guestFiles();
    expect(renderUserData({ files: fixture.files, userDataPrefix: '  \n' })).to.equal(fixture.userData);
  });

  it('rejects relative paths and line breaks in paths or owners', () => {
    expect(() => renderUserData({ files: [{ path: 'etc/x', owner: 'root:root', content: '' }] })).to.throw(ValidationError, /absolute/);
    expect(() => renderUserData({ files: [{ path: '/etc/x\nruncmd: [reboot]', owner: 'root:root', content: '' }] })).to.throw(ValidationError, /one line/);
    expect(() => renderUserData({ files: [{ path: '/etc/x', owner: 'ubuntu\n- evil', content: '' }] })).to.throw(ValidationError, /one line/);
  });
});
