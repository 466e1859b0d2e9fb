/**
 * What the local-process backend asks of the host's Docker engine: the datastore images it may run (the
 * "images" of datastore versions on this backend are image repositories, e.g. `trove/mariadb`), and removal
 * of an instance's datastore containers after its agent stopped, found by the label every agent puts on
 * them (`trove.instance-id`).
 */
import Docker from 'dockerode';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Image } from '../ports.js';

/** The label the guest agent puts on its containers (guestagent/docker/reconcile.ts). */
export const LABEL_INSTANCE_ID = 'trove.instance-id';

/** The Docker calls the backend makes, as a port so unit tests can fake the engine. */
export interface DockerHost {
  /** The newest local image whose repository is `repository` (any tag). */
  findImage(repository: string): Promise<Image | undefined>;
  /** Removes (forcibly) every container labelled for the instance; returns their names. */
  removeInstanceContainers(instanceId: string): Promise<string[]>;
  /** Names of the containers labelled for the instance. */
  listInstanceContainers(instanceId: string): Promise<string[]>;
}

function backendError(method: string, error: unknown): TroveError {
  const status = (error as { statusCode?: number }).statusCode;
  return new TroveError(ErrorCode.BACKEND_ERROR, `Docker engine ${method} failed: ${(error as Error).message}`, {
    details: { service: 'docker', method, ...(status === undefined ? {} : { status }) },
    cause: error,
  });
}

/** `DockerHost` over the engine at a unix socket. */
export class DockerodeHost implements DockerHost {
  private readonly docker: Docker;

  constructor(socketPath: string) {
    this.docker = new Docker({ socketPath });
  }

  async findImage(repository: string): Promise<Image | undefined> {
    let images: Docker.ImageInfo[];
    try {
      images = await this.docker.listImages({ filters: { reference: [repository] } });
    } catch (error) {
      throw backendError('listImages', error);
    }
    const newest = [...images].sort((a, b) => b.Created - a.Created)[0];
    if (newest === undefined) return undefined;
    return {
      id: repository,
      name: repository,
      status: 'active',
      tags: (newest.RepoTags ?? []).map((tag) => tag.slice(tag.lastIndexOf(':') + 1)),
      createdAt: new Date(newest.Created * 1000).toISOString(),
      minDiskGb: 0,
      minRamMb: 0,
    };
  }

  async listInstanceContainers(instanceId: string): Promise<string[]> {
    try {
      const containers = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_INSTANCE_ID}=${instanceId}`] } });
      return containers.map((container) => (container.Names[0] ?? container.Id).replace(/^\//, ''));
    } catch (error) {
      throw backendError('listContainers', error);
    }
  }

  async removeInstanceContainers(instanceId: string): Promise<string[]> {
    let containers: Docker.ContainerInfo[];
    try {
      containers = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_INSTANCE_ID}=${instanceId}`] } });
    } catch (error) {
      throw backendError('listContainers', error);
    }
    const removed: string[] = [];
    for (const container of containers) {
      try {
        await this.docker.getContainer(container.Id).remove({ force: true });
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw backendError('removeContainer', error);
      }
      removed.push((container.Names[0] ?? container.Id).replace(/^\//, ''));
    }
    return removed;
  }
}
