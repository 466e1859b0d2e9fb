/**
 * All persistence models of the controller, defined on one `Sequelize` with their associations. The API,
 * taskmanager and conductor call `createModels(sequelize)` once per connection and pass the result around;
 * nothing here is global, so several databases (tests) can be open at once.
 */
import { type Sequelize } from 'sequelize';
import { defineAgentHeartbeat, type AgentHeartbeatModel } from './agent-heartbeats.js';
import { defineBackup, defineBackupStrategy, type BackupModel, type BackupStrategyModel } from './backups.js';
import { defineCapability, defineCapabilityOverride, type CapabilityModel, type CapabilityOverrideModel } from './capabilities.js';
import { defineCluster, type ClusterModel } from './clusters.js';
import { defineConductorLastSeen, type ConductorLastSeenModel } from './conductor-lastseen.js';
import { defineConfiguration, defineConfigurationParameter, type ConfigurationModel, type ConfigurationParameterModel } from './configurations.js';
import { defineDatastoreConfigurationParameter, type DatastoreConfigurationParameterModel } from './datastore-configuration-parameters.js';
import { defineDatastoreVersionMetadata, type DatastoreVersionMetadataModel } from './datastore-version-metadata.js';
import { defineDatastore, defineDatastoreVersion, type DatastoreModel, type DatastoreVersionModel } from './datastores.js';
import { defineInstanceFault, type InstanceFaultModel } from './instance-faults.js';
import { defineInstance, type InstanceModel } from './instances.js';
import { defineInstanceModule, defineModule, type InstanceModuleModel, type ModuleModel } from './modules.js';
import { defineQuota, defineQuotaUsage, defineReservation, type QuotaModel, type QuotaUsageModel, type ReservationModel } from './quotas.js';
import { defineRootEnabledHistory, type RootEnabledHistoryModel } from './root-enabled-history.js';
import {
  defineSecurityGroup,
  defineSecurityGroupInstanceAssociation,
  defineSecurityGroupRule,
  type SecurityGroupInstanceAssociationModel,
  type SecurityGroupModel,
  type SecurityGroupRuleModel,
} from './security-groups.js';
import { defineServiceStatus, type ServiceStatusModel } from './service-statuses.js';

/** Every model, keyed by the camel-cased table name. */
export interface TroveModels {
  instances: InstanceModel;
  serviceStatuses: ServiceStatusModel;
  instanceFaults: InstanceFaultModel;
  datastores: DatastoreModel;
  datastoreVersions: DatastoreVersionModel;
  datastoreVersionMetadata: DatastoreVersionMetadataModel;
  datastoreConfigurationParameters: DatastoreConfigurationParameterModel;
  configurations: ConfigurationModel;
  configurationParameters: ConfigurationParameterModel;
  backups: BackupModel;
  backupStrategy: BackupStrategyModel;
  quotas: QuotaModel;
  quotaUsages: QuotaUsageModel;
  reservations: ReservationModel;
  conductorLastSeen: ConductorLastSeenModel;
  rootEnabledHistory: RootEnabledHistoryModel;
  modules: ModuleModel;
  instanceModules: InstanceModuleModel;
  agentHeartbeats: AgentHeartbeatModel;
  capabilities: CapabilityModel;
  capabilityOverrides: CapabilityOverrideModel;
  clusters: ClusterModel;
  securityGroups: SecurityGroupModel;
  securityGroupRules: SecurityGroupRuleModel;
  securityGroupInstanceAssociations: SecurityGroupInstanceAssociationModel;
}

/**
 * Association aliases, for `include: [{ association: ... }]`. Foreign keys live in the migrations; the
 * associations only teach sequelize how to join (`constraints: false`).
 */
export const Assoc = {
  instance: { datastoreVersion: 'datastoreVersion', configuration: 'configuration', serviceStatus: 'serviceStatus', faults: 'faults', replicaSource: 'replicaSource', replicas: 'replicas', cluster: 'cluster', modules: 'instanceModules' },
  datastore: { versions: 'versions', defaultVersion: 'defaultVersion' },
  datastoreVersion: { datastore: 'datastore', metadata: 'metadata', configurationParameters: 'configurationParameters', capabilityOverrides: 'capabilityOverrides' },
  configuration: { parameters: 'parameters', datastoreVersion: 'datastoreVersion' },
  backup: { datastoreVersion: 'datastoreVersion', parent: 'parent' },
  quotaUsage: { reservations: 'reservations' },
  reservation: { usage: 'usage' },
  instanceModule: { module: 'module', instance: 'instance' },
  capabilityOverride: { capability: 'capability' },
} as const;

/** Defines every model on `sequelize` and wires the associations. Call once per `Sequelize`. */
export function createModels(sequelize: Sequelize): TroveModels {
  const m: TroveModels = {
    instances: defineInstance(sequelize),
    serviceStatuses: defineServiceStatus(sequelize),
    instanceFaults: defineInstanceFault(sequelize),
    datastores: defineDatastore(sequelize),
    datastoreVersions: defineDatastoreVersion(sequelize),
    datastoreVersionMetadata: defineDatastoreVersionMetadata(sequelize),
    datastoreConfigurationParameters: defineDatastoreConfigurationParameter(sequelize),
    configurations: defineConfiguration(sequelize),
    configurationParameters: defineConfigurationParameter(sequelize),
    backups: defineBackup(sequelize),
    backupStrategy: defineBackupStrategy(sequelize),
    quotas: defineQuota(sequelize),
    quotaUsages: defineQuotaUsage(sequelize),
    reservations: defineReservation(sequelize),
    conductorLastSeen: defineConductorLastSeen(sequelize),
    rootEnabledHistory: defineRootEnabledHistory(sequelize),
    modules: defineModule(sequelize),
    instanceModules: defineInstanceModule(sequelize),
    agentHeartbeats: defineAgentHeartbeat(sequelize),
    capabilities: defineCapability(sequelize),
    capabilityOverrides: defineCapabilityOverride(sequelize),
    clusters: defineCluster(sequelize),
    securityGroups: defineSecurityGroup(sequelize),
    securityGroupRules: defineSecurityGroupRule(sequelize),
    securityGroupInstanceAssociations: defineSecurityGroupInstanceAssociation(sequelize),
  };
  const loose = { constraints: false } as const;
  const a = Assoc;

  m.instances.belongsTo(m.datastoreVersions, { ...loose, as: a.instance.datastoreVersion, foreignKey: 'datastore_version_id' });
  m.instances.belongsTo(m.configurations, { ...loose, as: a.instance.configuration, foreignKey: 'configuration_id' });
  m.instances.belongsTo(m.clusters, { ...loose, as: a.instance.cluster, foreignKey: 'cluster_id' });
  m.instances.belongsTo(m.instances, { ...loose, as: a.instance.replicaSource, foreignKey: 'slave_of_id' });
  m.instances.hasMany(m.instances, { ...loose, as: a.instance.replicas, foreignKey: 'slave_of_id' });
  m.instances.hasOne(m.serviceStatuses, { ...loose, as: a.instance.serviceStatus, foreignKey: 'instance_id' });
  m.instances.hasMany(m.instanceFaults, { ...loose, as: a.instance.faults, foreignKey: 'instance_id' });
  m.instances.hasMany(m.instanceModules, { ...loose, as: a.instance.modules, foreignKey: 'instance_id' });

  m.datastores.hasMany(m.datastoreVersions, { ...loose, as: a.datastore.versions, foreignKey: 'datastore_id' });
  m.datastores.belongsTo(m.datastoreVersions, { ...loose, as: a.datastore.defaultVersion, foreignKey: 'default_version_id' });
  m.datastoreVersions.belongsTo(m.datastores, { ...loose, as: a.datastoreVersion.datastore, foreignKey: 'datastore_id' });
  m.datastoreVersions.hasMany(m.datastoreVersionMetadata, { ...loose, as: a.datastoreVersion.metadata, foreignKey: 'datastore_version_id' });
  m.datastoreVersions.hasMany(m.datastoreConfigurationParameters, {
    ...loose,
    as: a.datastoreVersion.configurationParameters,
    foreignKey: 'datastore_version_id',
  });
  m.datastoreVersions.hasMany(m.capabilityOverrides, { ...loose, as: a.datastoreVersion.capabilityOverrides, foreignKey: 'datastore_version_id' });
  m.capabilityOverrides.belongsTo(m.capabilities, { ...loose, as: a.capabilityOverride.capability, foreignKey: 'capability_id' });

  m.configurations.hasMany(m.configurationParameters, { ...loose, as: a.configuration.parameters, foreignKey: 'configuration_id' });
  m.configurations.belongsTo(m.datastoreVersions, { ...loose, as: a.configuration.datastoreVersion, foreignKey: 'datastore_version_id' });

  m.backups.belongsTo(m.datastoreVersions, { ...loose, as: a.backup.datastoreVersion, foreignKey: 'datastore_version_id' });
  m.backups.belongsTo(m.backups, { ...loose, as: a.backup.parent, foreignKey: 'parent_id' });

  m.quotaUsages.hasMany(m.reservations, { ...loose, as: a.quotaUsage.reservations, foreignKey: 'usage_id' });
  m.reservations.belongsTo(m.quotaUsages, { ...loose, as: a.reservation.usage, foreignKey: 'usage_id' });

  m.instanceModules.belongsTo(m.modules, { ...loose, as: a.instanceModule.module, foreignKey: 'module_id' });
  m.instanceModules.belongsTo(m.instances, { ...loose, as: a.instanceModule.instance, foreignKey: 'instance_id' });
  return m;
}

export * from './agent-heartbeats.js';
export * from './backups.js';
export * from './capabilities.js';
export * from './clusters.js';
export * from './conductor-lastseen.js';
export * from './configurations.js';
export * from './datastore-configuration-parameters.js';
export * from './datastore-version-metadata.js';
export * from './datastores.js';
export * from './instance-faults.js';
export * from './instances.js';
export * from './modules.js';
export * from './quotas.js';
export * from './root-enabled-history.js';
export * from './security-groups.js';
export * from './service-statuses.js';
export { softDelete } from './soft-delete.js';
export type { CreationOf, NullableKeys } from './common.js';
