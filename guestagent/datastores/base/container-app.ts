/**
 * The datastore container's lifecycle (the container half of Trove's `*App` classes): make sure the image is
 * there, create the one container of this instance or reuse it, start, stop, restart, and wait for a
 * condition with Trove's polling rules (`state_change_poll_time`, `state_change_wait_time`, N consecutive
 * confirmations). The container spec is hashed into a label: a container whose spec no longer matches (new
 * image tag, new mounts) is replaced, one that matches is reused, so a restarted agent never duplicates it.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { ContainerInfo, ContainerRuntime, ContainerSpec, ExecOptions, ExecResult } from '../../docker/container-runtime.js';
import { datastoreLabels } from '../../docker/reconcile.js';

/** Label holding a hash of the container spec, so a changed spec is noticed on the next start. */
export const LABEL_SPEC_HASH = 'trove.spec-hash';

/** Thrown when the datastore does not reach the awaited state in time. */
export class DatastoreTimeoutError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.GUEST_ERROR, message, details ? { details } : {});
  }
}

/** The datastore-specific part of the container spec. */
export type ContainerRecipe = Pick<ContainerSpec, 'image' | 'command' | 'env' | 'binds' | 'stopSignal'>;

/** Options to configure the container lifecycle. */
export interface ContainerAppOptions {
  runtime: ContainerRuntime;
  instanceId: string;
  containerName: string;
  /** `uid:gid` of the datastore process (`database_service_uid`). */
  user: string;
  /** Pull images that are not present (`[guest_agent] pull_images`). */
  pullImages: boolean;
  /** Docker stop/restart grace period and overall wait (`state_change_wait_time`), ms. */
  waitMs: number;
  /** Poll period (`state_change_poll_time`), ms. */
  pollMs: number;
  logger: Logger;
}

function specHash(spec: Omit<ContainerSpec, 'labels'>): string {
  const canonical = JSON.stringify({
    image: spec.image,
    command: spec.command,
    env: Object.entries(spec.env).sort(),
    binds: spec.binds.map((bind) => [bind.hostPath, bind.containerPath, bind.readOnly ?? false]),
    user: spec.user,
    networkMode: spec.networkMode,
    restartPolicy: spec.restartPolicy,
    stopSignal: spec.stopSignal ?? null,
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One instance's datastore container. */
export class ContainerApp {
  constructor(private readonly options: ContainerAppOptions) {}

  get name(): string {
    return this.options.containerName;
  }

  inspect(): Promise<ContainerInfo | undefined> {
    return this.options.runtime.inspect(this.options.containerName);
  }

  exec(command: string[], options?: ExecOptions): Promise<ExecResult> {
    return this.options.runtime.exec(this.options.containerName, command, options);
  }

  logs(tail = 30): Promise<string> {
    return this.options.runtime.logs(this.options.containerName, tail);
  }

  /**
   * Makes the image available: present locally, or pulled when pulling is allowed.
   * @throws TroveError when the image is missing and pulling is off
   */
  async ensureImage(image: string): Promise<void> {
    const { runtime, pullImages, logger } = this.options;
    if (await runtime.hasImage(image)) return;
    if (!pullImages) {
      throw new TroveError(ErrorCode.GUEST_ERROR, `Datastore image ${image} is not present on this guest and [guest_agent] pull_images is false.`, { details: { image } });
    }
    logger.info({ image }, 'datastore image missing; pulling it');
    await runtime.pullImage(image);
  }

  /** The full spec of this instance's container for a recipe. */
  spec(recipe: ContainerRecipe): ContainerSpec {
    const base: Omit<ContainerSpec, 'labels'> = {
      name: this.options.containerName,
      image: recipe.image,
      user: this.options.user,
      command: recipe.command,
      env: recipe.env,
      binds: recipe.binds,
      networkMode: 'host',
      restartPolicy: 'unless-stopped',
      ...(recipe.stopSignal ? { stopSignal: recipe.stopSignal } : {}),
    };
    return { ...base, labels: { ...datastoreLabels(this.options.instanceId), [LABEL_SPEC_HASH]: specHash(base) } };
  }

  /**
   * Starts the container for `recipe`, reusing the existing one when its spec matches and replacing it
   * (same data, new container) when it does not.
   */
  async ensureStarted(recipe: ContainerRecipe): Promise<void> {
    const { runtime, logger } = this.options;
    const spec = this.spec(recipe);
    const existing = await this.inspect();
    if (existing && existing.labels[LABEL_SPEC_HASH] !== spec.labels[LABEL_SPEC_HASH]) {
      logger.info({ container: spec.name, from: existing.image, to: spec.image }, 'container spec changed; replacing the container');
      await runtime.stop(existing.id, Math.ceil(this.options.waitMs / 1000));
      await runtime.remove(existing.id, { force: true });
    } else if (existing) {
      if (existing.state !== 'running' && existing.state !== 'restarting') await runtime.start(existing.id);
      return;
    }
    await this.ensureImage(spec.image);
    const id = await runtime.createContainer(spec);
    logger.info({ container: spec.name, image: spec.image, id }, 'created datastore container');
    await runtime.start(id);
  }

  async stop(): Promise<void> {
    const existing = await this.inspect();
    if (!existing) return;
    await this.options.runtime.stop(existing.id, Math.ceil(this.options.waitMs / 1000));
  }

  /** Restarts a running container, or starts a stopped one. */
  async restart(): Promise<void> {
    const existing = await this.inspect();
    if (!existing) throw new TroveError(ErrorCode.GUEST_ERROR, `The datastore container '${this.options.containerName}' does not exist.`);
    await this.options.runtime.restart(existing.id, Math.ceil(this.options.waitMs / 1000));
  }

  /** Removes the container (data stays on the volume). */
  async remove(): Promise<void> {
    await this.options.runtime.remove(this.options.containerName, { force: true });
  }

  /**
   * Polls `check` every poll period until it holds `confirmations` times in a row.
   * @throws DatastoreTimeoutError after the wait time, with the container's last log lines in details
   */
  async waitFor(what: string, check: () => Promise<boolean>, confirmations = 1, waitMs = this.options.waitMs): Promise<void> {
    const deadline = Date.now() + waitMs;
    let streak = 0;
    for (;;) {
      let ok = false;
      try {
        ok = await check();
      } catch (error) {
        this.options.logger.debug({ err: error, what }, 'wait check failed');
      }
      streak = ok ? streak + 1 : 0;
      if (streak >= confirmations) return;
      if (Date.now() + this.options.pollMs > deadline) break;
      await sleep(ok ? Math.min(this.options.pollMs, 1000) : this.options.pollMs);
    }
    const info = await this.inspect().catch(() => undefined);
    const logs = await this.logs(20).catch(() => '');
    throw new DatastoreTimeoutError(`The datastore did not become ${what} within ${Math.round(waitMs / 1000)} s.`, {
      container: this.options.containerName,
      state: info?.state ?? 'absent',
      exitCode: info?.exitCode ?? null,
      logTail: logs.split('\n').slice(-20).join('\n'),
    });
  }
}
