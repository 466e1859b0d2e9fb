/**
 * The one configuration schema of trove-ts: every option of every process, grouped as the sections of
 * trove.conf. Option names, groups and defaults follow Trove 18 (reference §9) so operators' files carry
 * over; options only trove-ts has say so in their help text.
 */
import convict from 'convict';
import type { GroupValues, OptionGroup } from './options.js';
import { defaultGroup } from './groups/default.js';
import { databaseGroup } from './groups/database.js';
import { keystoneAuthtokenGroup, serviceCredentialsGroup } from './groups/identity.js';
import { rabbitGroup, upgradeLevelsGroup } from './groups/messaging.js';
import { mysqlGroup, mariadbGroup, postgresqlGroup } from './groups/datastores.js';
import { guestAgentGroup } from './groups/guest-agent.js';
import { conductorGroup, localComputeGroup, localQemuGroup, networkGroup } from './groups/controller.js';

/** All groups by section name, in the order the sample config prints them. */
export const schema = {
  DEFAULT: defaultGroup,
  database: databaseGroup,
  keystone_authtoken: keystoneAuthtokenGroup,
  service_credentials: serviceCredentialsGroup,
  oslo_messaging_rabbit: rabbitGroup,
  upgrade_levels: upgradeLevelsGroup,
  guest_agent: guestAgentGroup,
  conductor: conductorGroup,
  network: networkGroup,
  local_compute: localComputeGroup,
  local_qemu: localQemuGroup,
  mysql: mysqlGroup,
  mariadb: mariadbGroup,
  postgresql: postgresqlGroup,
} satisfies Record<string, OptionGroup>;

export type Schema = typeof schema;
export type SectionName = keyof Schema;

/** The loaded configuration: one typed object per section. */
export type TroveConfig = { -readonly [S in SectionName]: GroupValues<Schema[S]> };

/** Datastore sections, i.e. the datastore managers a guest may run. */
export const DATASTORE_SECTIONS = ['mysql', 'mariadb', 'postgresql'] as const;
export type DatastoreManager = (typeof DATASTORE_SECTIONS)[number];
export type DatastoreOptions = GroupValues<Schema['mysql']> & Partial<GroupValues<Schema['postgresql']>>;

/** Builds a fresh convict instance over the schema (convict keeps state, so one per load). */
export function createConvict(): convict.Config<TroveConfig> {
  return convict(schema as unknown as convict.Schema<TroveConfig>);
}

export function isSection(name: string): name is SectionName {
  return Object.prototype.hasOwnProperty.call(schema, name);
}

export function isDatastoreManager(name: string): name is DatastoreManager {
  return (DATASTORE_SECTIONS as readonly string[]).includes(name);
}
