import { expect } from 'chai';
import { OpenStackApiError, type OpenStackBackend } from '../../../../../controller/compute/openstack/index.js';
import { FixtureServer } from './helpers/fixture-server.js';
import { cloudBackend, errorText, ids, secretsIn, type LogCapture } from './helpers/cloud.js';

describe('openstack Neutron client (NetworkDriver)', () => {
  let server: FixtureServer;
  let backend: OpenStackBackend;
  let logs: LogCapture;

  before(async () => {
    server = await FixtureServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    ({ backend, logs } = cloudBackend(server));
  });
  afterEach(function () {
    if (this.currentTest?.state === 'passed') {
      server.assertDone();
      expect(secretsIn(server, logs.text()), 'secrets in logs').to.deep.equal([]);
    }
  });

  const groupName = `trove_sg-${ids.instance}`;
  const portName = `trove-${ids.instance}`;

  describe('security groups', () => {
    it('creates the instance group (endpoint gains /v2.0) and maps its default rules', async () => {
      server.expectFixture('neutron/security-groups-create.json');
      const group = await backend.networks.createSecurityGroup(groupName, `Security Group for ${ids.instance}`);
      expect(group.id).to.equal(ids.securityGroup);
      expect(group.name).to.equal(groupName);
      expect(group.rules.map((rule) => [rule.direction, rule.ethertype, rule.protocol, rule.remoteIpPrefix])).to.deep.equal([
        ['egress', 'IPv4', null, null],
        ['egress', 'IPv6', null, null],
      ]);
    });

    it('finds groups by name and deletes them', async () => {
      server.expectFixture('neutron/security-groups-list-by-name.json');
      server.expectFixture('neutron/security-groups-delete.json');
      const groups = await backend.networks.findSecurityGroupsByName(groupName);
      expect(groups.map((group) => group.id)).to.deep.equal([ids.securityGroup]);
      await backend.networks.deleteSecurityGroup(ids.securityGroup);
    });

    it('reports a group still in use with Neutron\'s message', async () => {
      server.expectFixture('neutron/security-groups-delete-in-use.json');
      const error = await backend.networks.deleteSecurityGroup(ids.securityGroup).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(OpenStackApiError);
      expect((error as OpenStackApiError).status).to.equal(409);
      expect((error as Error).message).to.equal(
        `neutron DELETE /network/v2.0/security-groups/${ids.securityGroup} failed with HTTP 409: Security Group ${ids.securityGroup} in use.`,
      );
      expect(secretsIn(server, errorText(error))).to.deep.equal([]);
    });

    it('adds an ingress rule (ethertype from the CIDR) and deletes it', async () => {
      server.expectFixture('neutron/security-group-rules-create.json');
      server.expectFixture('neutron/security-group-rules-delete.json');
      const rule = await backend.networks.addSecurityGroupRule(ids.securityGroup, {
        direction: 'ingress',
        protocol: 'tcp',
        portRangeMin: 3306,
        portRangeMax: 3306,
        remoteIpPrefix: '10.0.0.0/24',
      });
      expect(rule).to.deep.equal({
        id: ids.rule,
        securityGroupId: ids.securityGroup,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        portRangeMin: 3306,
        portRangeMax: 3306,
        remoteIpPrefix: '10.0.0.0/24',
      });
      await backend.networks.deleteSecurityGroupRule(ids.rule);
    });

    it('derives IPv6 from an IPv6 CIDR', async () => {
      server.expectFixture('neutron/security-group-rules-create.json', (exchange) => {
        const body = exchange.request.body as { security_group_rule: Record<string, unknown> };
        body.security_group_rule['ethertype'] = 'IPv6';
        body.security_group_rule['remote_ip_prefix'] = 'fd00::/8';
      });
      await backend.networks.addSecurityGroupRule(ids.securityGroup, {
        direction: 'ingress',
        protocol: 'tcp',
        portRangeMin: 3306,
        portRangeMax: 3306,
        remoteIpPrefix: 'fd00::/8',
      });
    });
  });

  describe('ports', () => {
    it('creates the user port on a subnet with the instance group', async () => {
      server.expectFixture('neutron/ports-create.json');
      const port = await backend.networks.createPort({
        name: portName,
        description: `User port for trove instance ${ids.instance}`,
        networkId: ids.network,
        subnetId: ids.subnet,
        securityGroupIds: [ids.securityGroup],
      });
      expect(port).to.deep.equal({
        id: ids.port,
        name: portName,
        description: `User port for trove instance ${ids.instance}`,
        networkId: ids.network,
        fixedIps: [{ subnetId: ids.subnet, ipAddress: '10.0.0.20' }],
        securityGroupIds: [ids.securityGroup],
        deviceId: null,
        status: 'DOWN',
      });
    });

    it('leaves security_groups out when none are given, and sends a fixed address', async () => {
      server.expectFixture('neutron/ports-create.json', (exchange) => {
        exchange.request.body = {
          port: { name: portName, description: 'd', network_id: ids.network, fixed_ips: [{ ip_address: '10.0.0.20' }] },
        };
      });
      await backend.networks.createPort({ name: portName, description: 'd', networkId: ids.network, ipAddress: '10.0.0.20', securityGroupIds: [] });
    });

    it('finds the user and management ports by name and deletes one', async () => {
      server.expectFixture('neutron/ports-list-by-name.json');
      server.expectFixture('neutron/ports-delete.json');
      const ports = await backend.networks.findPortsByName(portName);
      expect(ports.map((port) => [port.id, port.deviceId])).to.deep.equal([
        [ids.port, ids.server],
        [ids.managementPort, ids.server],
      ]);
      await backend.networks.deletePort(ids.port);
    });
  });

  describe('floating IPs', () => {
    it('creates, finds, disassociates and releases a floating IP', async () => {
      server.expectFixture('neutron/floatingips-create.json');
      server.expectFixture('neutron/floatingips-list-by-port.json');
      server.expectFixture('neutron/floatingips-update.json');
      server.expectFixture('neutron/floatingips-delete.json');
      const created = await backend.networks.createFloatingIp(ids.externalNetwork, ids.port);
      expect(created).to.deep.equal({
        id: ids.floatingIp,
        floatingIpAddress: '172.24.4.10',
        floatingNetworkId: ids.externalNetwork,
        portId: ids.port,
        fixedIpAddress: '10.0.0.20',
      });
      expect((await backend.networks.findFloatingIpsByPort(ids.port)).map((ip) => ip.id)).to.deep.equal([ids.floatingIp]);
      const detached = await backend.networks.setFloatingIpPort(ids.floatingIp, null);
      expect(detached.portId).to.equal(null);
      await backend.networks.deleteFloatingIp(ids.floatingIp);
    });
  });

  describe('lookups for the network checks', () => {
    it('shows a network, or undefined when Neutron does not know it', async () => {
      server.expectFixture('neutron/networks-show.json');
      server.expectFixture('neutron/networks-show-not-found.json');
      expect(await backend.networks.getNetwork(ids.network)).to.deep.equal({
        id: ids.network,
        name: 'trove-user-net',
        subnetIds: [ids.subnet],
        isExternal: false,
      });
      expect(await backend.networks.getNetwork(ids.network)).to.equal(undefined);
    });

    it('shows a subnet and lists the subnets of a network', async () => {
      server.expectFixture('neutron/subnets-show.json');
      server.expectFixture('neutron/subnets-list-by-network.json');
      expect(await backend.networks.getSubnet(ids.subnet)).to.deep.equal({
        id: ids.subnet,
        name: 'trove-user-subnet',
        networkId: ids.network,
        cidr: '10.0.0.0/24',
        ipVersion: 4,
        gatewayIp: '10.0.0.1',
      });
      const subnets = await backend.networks.listSubnets(ids.network);
      expect(subnets.map((subnet) => [subnet.cidr, subnet.ipVersion, subnet.gatewayIp])).to.deep.equal([
        ['10.0.0.0/24', 4, '10.0.0.1'],
        ['fd00:10::/64', 6, null],
      ]);
    });

    it('finds the external network', async () => {
      server.expectFixture('neutron/networks-list-external.json');
      const network = await backend.networks.findExternalNetwork();
      expect(network?.id).to.equal(ids.externalNetwork);
      expect(network?.isExternal).to.equal(true);
    });

    it('tells whether a router has an interface on the subnet', async () => {
      server.expectFixture('neutron/ports-list-router-interfaces.json');
      server.expectFixture('neutron/ports-list-router-interfaces-none.json');
      expect(await backend.networks.subnetHasRouter(ids.subnet)).to.equal(true);
      expect(await backend.networks.subnetHasRouter(ids.subnet)).to.equal(false);
    });
  });

  it('uses neutron_url without doubling the version', async () => {
    ({ backend, logs } = cloudBackend(server, { DEFAULT: { neutron_url: `${server.base}/network/v2.0/` } }));
    server.expectFixture('neutron/networks-show.json');
    expect((await backend.networks.getNetwork(ids.network))?.id).to.equal(ids.network);
  });
});
