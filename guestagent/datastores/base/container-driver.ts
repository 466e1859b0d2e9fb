/**
 * The generic datastore driver: Trove's Manager/App/Status flow for a datastore that runs as one container
 * with its data on the instance volume. A `DatastoreEngine` supplies everything family-specific.
 *
 * prepare:  volume → directories → config files → container → server answers locally → admin user
 *           (credentials on the volume first, so a crash never loses them) → healthy over the network →
 *           databases, users, root → marker `.guestagent.prepare.end`.
 * Every step is idempotent: a prepare redelivered after an agent crash finishes the job.
 */
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { DatastoreOptions, TroveConfig } from '../../../shared/config/index.js';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { ServiceStatus } from '../../../shared/models/index.js';
import type { ContainerRuntime } from '../../docker/container-runtime.js';
import { reconcileContainers } from '../../docker/reconcile.js';
import type { VolumeManager } from '../../volume.js';
import { ContainerApp, type ContainerRecipe } from './container-app.js';
import { CredentialStore } from './credentials.js';
import type { DatastoreAdmin, DatastoreDriver, DatastoreFacts, OverrideValue, PrepareRequest } from './datastore-driver.js';
import { ADMIN_USER, type ContainerExec, type DatastoreEngine, type EngineContext, type HostLayout } from './engine.js';
import { statusFromContainer } from './health.js';
import { validateOverrides } from './overrides.js';
import { generatePassword } from './passwords.js';
import { StateStore } from './state-store.js';

/** What every driver factory receives. */
export interface DriverContext {
  instanceId: string;
  config: TroveConfig;
  /** The `[<datastore_manager>]` group. */
  options: DatastoreOptions;
  runtime: ContainerRuntime;
  volume: VolumeManager;
  logger: Logger;
}

/** Flavor memory assumed when prepare carries neither config_contents nor memory_mb. */
const FALLBACK_MEMORY_MB = 1024;
const USER_OVERRIDE_GROUP = '20-user';
const SYSTEM_OVERRIDE_GROUP = '50-system';

function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** A datastore in a container, driven through an engine. */
export class ContainerDatastoreDriver implements DatastoreDriver {
  readonly facts: DatastoreFacts;
  readonly admin: DatastoreAdmin;
  readonly mountPoint: string;
  private readonly app: ContainerApp;
  private readonly state: StateStore;
  private readonly credentials: CredentialStore;
  private readonly engineContext: EngineContext;
  private readonly layout: HostLayout;
  private readonly logger: Logger;
  private readonly confirmations: number;

  constructor(
    private readonly engine: DatastoreEngine,
    private readonly context: DriverContext,
  ) {
    const { config, options } = context;
    this.facts = engine.facts;
    this.logger = context.logger.child({ component: 'datastore', manager: engine.facts.manager });
    this.mountPoint = options.mount_point;
    const stateDir = join(this.mountPoint, 'conf.d');
    this.state = new StateStore(stateDir);
    this.credentials = new CredentialStore(stateDir);
    const uid = Number.parseInt(config.DEFAULT.database_service_uid, 10);
    if (!Number.isInteger(uid) || uid < 0) throw new TroveError(ErrorCode.CONFIG_INVALID, `[DEFAULT] database_service_uid must be a number, got '${config.DEFAULT.database_service_uid}'.`);
    const bindHost = config.guest_agent.datastore_bind_host;
    this.engineContext = {
      mountPoint: this.mountPoint,
      bindHost,
      connectHost: isWildcard(bindHost) ? '127.0.0.1' : bindHost.replace(/^\[(.*)\]$/, '$1'),
      port: config.guest_agent.datastore_port || engine.facts.defaultPort,
      serviceUid: uid,
      serviceGid: uid,
      options,
      connectTimeoutMs: config.guest_agent.datastore_connect_timeout * 1000,
      logger: this.logger,
    };
    this.layout = engine.layout(this.engineContext);
    this.admin = engine.createAdmin(this.engineContext, this.credentials);
    this.confirmations = config.guest_agent.healthy_confirmations;
    this.app = new ContainerApp({
      runtime: context.runtime,
      instanceId: context.instanceId,
      containerName: config.guest_agent.container_name,
      user: `${uid}:${uid}`,
      pullImages: config.guest_agent.pull_images,
      waitMs: config.DEFAULT.state_change_wait_time * 1000,
      pollMs: config.DEFAULT.state_change_poll_time * 1000,
      logger: this.logger,
    });
  }

  async reconcile(): Promise<void> {
    const devicePath = this.context.options.device_path;
    if (devicePath) {
      try {
        await this.context.volume.ensureMounted(devicePath, this.mountPoint);
      } catch (error) {
        // The agent still serves: prepare mounts again and reports a failure through the status.
        this.logger.error({ err: error, devicePath }, 'cannot mount the data volume at start-up');
      }
    }
    await reconcileContainers(this.context.runtime, {
      instanceId: this.context.instanceId,
      name: this.app.name,
      logger: this.logger,
    });
  }

  isPrepared(): Promise<boolean> {
    return this.state.isPrepared();
  }

  prepareFailure(): Promise<string | null> {
    return this.state.prepareFailure();
  }

  async prepare(request: PrepareRequest): Promise<void> {
    const overrides = validateOverrides(request.overrides);
    if (request.mountPoint && request.mountPoint !== this.mountPoint) {
      this.logger.warn({ requested: request.mountPoint, configured: this.mountPoint }, 'prepare names another mount point; using the configured one');
    }
    // An empty configured device means single-host mode: the mount point is a directory, whatever prepare says.
    const devicePath = this.context.options.device_path ? (request.devicePath ?? this.context.options.device_path) : null;
    await this.context.volume.ensureMounted(devicePath, this.mountPoint);
    await this.state.markPrepareStarted();
    try {
      await this.createDirectories();
      const memoryMb = request.memoryMb ?? FALLBACK_MEMORY_MB;
      await this.writeBaseConfig(request.configContents ?? this.engine.renderDefaultConfig(memoryMb));
      await this.writeUserOverrides(Object.keys(overrides).length > 0 ? overrides : null);
      const version = request.datastoreVersion ?? (await this.currentVersion());
      await this.state.write({ datastoreVersion: version });
      await this.startContainer(version);
      await this.app.waitFor('ready for its admin user', () => this.engine.isReadyForBootstrap(this.exec, this.engineContext, this.credentials));
      this.logger.info('datastore answers on its socket');
      await this.bootstrapAdmin();
      await this.waitHealthy();
      this.logger.info('datastore healthy; creating databases and users');
      await this.admin.createDatabases(request.databases);
      await this.admin.createUsers(request.users);
      if (request.rootPassword) await this.admin.enableRoot(request.rootPassword);
      await this.state.markPrepared();
      this.logger.info({ version }, 'prepare completed');
    } catch (error) {
      await this.state.markPrepareFailed(error instanceof Error ? error.message : String(error)).catch(() => undefined);
      throw error;
    }
  }

  async restart(): Promise<void> {
    await this.writeSystemFiles();
    if (await this.app.inspect()) await this.app.restart();
    else await this.startContainer(await this.currentVersion());
    await this.waitHealthy();
  }

  async stop(): Promise<void> {
    await this.app.stop();
  }

  async startWithConfChanges(configContents: string | null, version: string | null): Promise<void> {
    await this.app.stop();
    if (configContents !== null) await this.writeBaseConfig(configContents);
    const target = version ?? (await this.currentVersion());
    await this.state.write({ datastoreVersion: target });
    await this.startContainer(target);
    await this.waitHealthy();
  }

  async resetConfiguration(configContents: string | null): Promise<void> {
    if (configContents === null) return;
    await this.writeBaseConfig(configContents);
  }

  async updateOverrides(overrides: Readonly<Record<string, OverrideValue>>, remove: boolean): Promise<void> {
    if (remove) {
      await this.writeUserOverrides(null);
      return;
    }
    const checked = validateOverrides(overrides);
    // Trove merges into the existing user override (configuration_manager.apply_user_override).
    await this.writeUserOverrides({ ...(await this.state.readUserOverrides()), ...checked });
  }

  async applyOverrides(overrides: Readonly<Record<string, OverrideValue>>): Promise<string[]> {
    const checked = validateOverrides(overrides);
    if (this.facts.liveOverridesNeedFile) await this.writeUserOverrides({ ...(await this.state.readUserOverrides()), ...checked });
    return this.admin.applyOverrides(checked);
  }

  async upgrade(version: string): Promise<void> {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version)) throw new TroveError(ErrorCode.VALIDATION_ERROR, `'${version}' is not a valid datastore version.`);
    const image = this.imageFor(version);
    // Fail before touching the running datastore when the new image is not available.
    await this.app.ensureImage(image);
    await this.app.stop();
    await this.app.remove();
    await this.state.write({ datastoreVersion: version });
    await this.startContainer(version);
    await this.waitHealthy();
    this.logger.info({ version, image }, 'datastore upgraded');
  }

  async probeStatus(): Promise<ServiceStatus> {
    const info = await this.app.inspect();
    const answered = info?.state === 'running' ? await this.admin.ping() : false;
    return statusFromContainer(info?.state, answered);
  }

  async close(): Promise<void> {
    // Connections are opened per operation; nothing is held between calls.
  }

  private imageFor(version: string): string {
    return `${this.context.options.docker_image}:${version}`;
  }

  private async currentVersion(): Promise<string> {
    const persisted = await this.state.read();
    return persisted.datastoreVersion ?? this.context.config.DEFAULT.datastore_version ?? 'latest';
  }

  private readonly exec: ContainerExec = (command, options) => this.app.exec(command, options);

  private async recipe(version: string): Promise<ContainerRecipe> {
    const setup = await this.engine.containerSetup(this.engineContext, this.credentials);
    return { image: this.imageFor(version), command: setup.command, env: setup.env, binds: this.layout.binds, ...(setup.stopSignal ? { stopSignal: setup.stopSignal } : {}) };
  }

  private async startContainer(version: string): Promise<void> {
    await this.createDirectories();
    await this.writeSystemFiles();
    await this.app.ensureStarted(await this.recipe(version));
  }

  private waitHealthy(): Promise<void> {
    return this.app.waitFor('healthy', async () => (await this.probeStatus()) === ServiceStatus.HEALTHY, this.confirmations);
  }

  private async bootstrapAdmin(): Promise<void> {
    const existing = await this.credentials.read(ADMIN_USER);
    const admin = existing ?? {
      user: ADMIN_USER,
      password: generatePassword(this.context.options.default_password_length),
      host: this.engineContext.connectHost,
      port: this.engineContext.port,
    };
    admin.host = this.engineContext.connectHost;
    admin.port = this.engineContext.port;
    // Written before the user exists: a crash in between leaves a usable password, never a lost one.
    await this.credentials.write(ADMIN_USER, admin);
    await this.engine.bootstrapAdmin(this.exec, admin, this.engineContext, this.credentials);
  }

  private async createDirectories(): Promise<void> {
    const { serviceUid, serviceGid } = this.engineContext;
    // The volume root is the container's /var/lib/<datastore>: the datastore user must be able to enter it.
    await chmod(this.mountPoint, 0o755);
    await this.state.ensureDirectory();
    for (const directory of this.layout.directories) {
      await mkdir(directory.path, { recursive: true, mode: directory.mode });
      await chmod(directory.path, directory.mode);
      if (directory.serviceOwned) await chown(directory.path, serviceUid, serviceGid);
    }
  }

  /**
   * Creates the configuration directory, and every directory between it and the mount point, readable by
   * the datastore's user. Modes are set explicitly: the agent's umask (the guest unit's `UMask=0027`) would
   * otherwise leave them root-only and the server could not read its own configuration.
   */
  private async ensureIncludeDir(): Promise<void> {
    const root = resolve(this.mountPoint);
    await mkdir(this.layout.includeDir, { recursive: true });
    for (let dir = resolve(this.layout.includeDir); dir.startsWith(`${root}${sep}`); dir = dirname(dir)) await chmod(dir, 0o755);
  }

  /** Writes a configuration file the datastore's user can read, whatever the umask. */
  private async writeConfigFile(path: string, text: string): Promise<void> {
    await writeFile(path, text);
    await chmod(path, 0o644);
  }

  private async writeBaseConfig(contents: string): Promise<void> {
    await this.ensureIncludeDir();
    await this.writeConfigFile(this.layout.baseConfigPath, this.engine.withInclude(contents));
  }

  private async writeSystemFiles(): Promise<void> {
    await this.ensureIncludeDir();
    const system = this.engine.systemFiles(this.engineContext, this.layout);
    await this.writeConfigFile(this.overridePath(SYSTEM_OVERRIDE_GROUP), system.overrides);
    for (const file of system.files) await this.writeConfigFile(file.path, file.text);
  }

  private overridePath(group: string): string {
    return join(this.layout.includeDir, `${group}-001-common${this.layout.overrideExtension}`);
  }

  private async writeUserOverrides(values: Readonly<Record<string, string | number | boolean>> | null): Promise<void> {
    const path = this.overridePath(USER_OVERRIDE_GROUP);
    await this.ensureIncludeDir();
    if (values === null) await rm(path, { force: true });
    else await this.writeConfigFile(path, this.engine.renderUserOverrides(values));
    await this.state.writeUserOverrides(values);
  }
}
