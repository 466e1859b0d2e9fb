import { expect } from 'chai';
import { defaultConfig } from '../../../../shared/config/index.js';
import { ValidationError } from '../../../../shared/errors/index.js';
import { buildGuestBoot, cloudinitPath, renderGuestInfo } from '../../../../controller/taskmanager/guest-files.js';

const identity = { instanceId: 'i-1', manager: 'postgresql', datastoreVersion: '15', tenantId: 'proj', instanceKey: 'K'.repeat(43) };

describe('taskmanager guest first-boot files', () => {
  it('writes guest_info.conf with the identity and key, and copies guest_config verbatim', () => {
    const boot = buildGuestBoot(defaultConfig(), identity, { guestConfig: '[DEFAULT]\ntransport_url = rabbit://x\n', cloudinit: undefined });
    expect(boot.files).to.deep.equal([
      {
        path: '/etc/trove/conf.d/guest_info.conf',
        content: `[DEFAULT]\nguest_id = i-1\ndatastore_manager = postgresql\ndatastore_version = 15\ntenant_id = proj\ninstance_rpc_encr_key = ${'K'.repeat(43)}\n`,
        owner: 'root:root',
      },
      { path: '/etc/trove/conf.d/trove-guestagent.conf', content: '[DEFAULT]\ntransport_url = rabbit://x\n', owner: 'root:root' },
    ]);
    expect(boot.userDataPrefix).to.equal(undefined);
  });

  it('adds controller.conf, daemon.json and the cloud-init prefix when configured, and leaves the key out without one', () => {
    const config = defaultConfig({
      DEFAULT: { controller_address: '10.0.0.2', docker_bridge_network_ip: '172.30.0.1/24', docker_insecure_registries: ['reg.local:5000'], injected_config_owner: 'trove', guest_info: 'info.conf', injected_config_location: '/etc/trove/conf.d' },
    });
    const boot = buildGuestBoot(config, { ...identity, instanceKey: null }, { guestConfig: undefined, cloudinit: '#!/bin/sh\necho hi\n' });
    expect(boot.files.map((file) => file.path)).to.deep.equal(['/etc/trove/conf.d/info.conf', '/etc/trove/controller.conf', '/etc/docker/daemon.json']);
    expect(boot.files[0]!.content).to.not.include('instance_rpc_encr_key');
    expect(boot.files[1]!.content).to.equal('CONTROLLER=10.0.0.2\n');
    expect(JSON.parse(boot.files[2]!.content)).to.deep.equal({ bip: '172.30.0.1/24', 'insecure-registries': ['reg.local:5000'] });
    expect(boot.files[0]!.owner).to.equal('trove:root');
    expect(boot.userDataPrefix).to.equal('#!/bin/sh\necho hi\n');
    expect(cloudinitPath(config, 'mariadb')).to.equal('/etc/trove/cloudinit/mariadb.cloudinit');
  });

  it('refuses identity values that would break the INI file', () => {
    expect(() => renderGuestInfo({ ...identity, tenantId: 'proj\ninstance_rpc_encr_key = stolen' })).to.throw(ValidationError, /tenant_id must be one line/);
  });
});
