/**
 * The flavor catalog of the single-host backends (`local-process`, `local-qemu`): flavors are defined in
 * `[local_compute] flavors` as `id:name:ram_mb:vcpus:disk_gb` entries instead of coming from Nova. The API
 * reads flavors through it; the local backends reuse it to size containers and VMs.
 */
import { ConfigError } from '../../shared/errors/index.js';
import type { Flavor, FlavorCatalog, VolumeType } from './ports.js';

const ENTRY = /^([^:\s]+):([^:]+):(\d+):(\d+):(\d+)$/;

/**
 * Parses `[local_compute] flavors` entries.
 * @throws ConfigError naming the first malformed or duplicate entry
 */
export function parseLocalFlavors(entries: readonly string[]): Flavor[] {
  const flavors: Flavor[] = [];
  const seenIds = new Set<string>();
  const seenNames = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim();
    const match = ENTRY.exec(entry);
    if (!match) {
      throw new ConfigError(`[local_compute] flavors: '${raw}' is not id:name:ram_mb:vcpus:disk_gb`, { entry: raw });
    }
    const [, id = '', name = '', ram = '', vcpus = '', disk = ''] = match;
    const flavor: Flavor = { id, name: name.trim(), ram: Number(ram), vcpus: Number(vcpus), disk: Number(disk), ephemeral: 0 };
    if (flavor.ram < 1 || flavor.vcpus < 1) {
      throw new ConfigError(`[local_compute] flavors: '${raw}' needs ram_mb and vcpus of at least 1`, { entry: raw });
    }
    if (seenIds.has(id)) throw new ConfigError(`[local_compute] flavors: duplicate flavor id '${id}'`, { entry: raw });
    if (seenNames.has(flavor.name)) throw new ConfigError(`[local_compute] flavors: duplicate flavor name '${flavor.name}'`, { entry: raw });
    seenIds.add(id);
    seenNames.add(flavor.name);
    flavors.push(flavor);
  }
  return flavors;
}

/** A `FlavorCatalog` over a fixed list of flavors; single-host backends have no volume types. */
export class LocalFlavorCatalog implements FlavorCatalog {
  private readonly flavors: readonly Flavor[];
  private readonly byId: ReadonlyMap<string, Flavor>;

  constructor(flavors: readonly Flavor[]) {
    this.flavors = flavors.map((flavor) => ({ ...flavor }));
    this.byId = new Map(this.flavors.map((flavor) => [flavor.id, flavor]));
  }

  /**
   * Builds the catalog from `[local_compute] flavors` entries.
   * @throws ConfigError for malformed entries
   */
  static fromEntries(entries: readonly string[]): LocalFlavorCatalog {
    return new LocalFlavorCatalog(parseLocalFlavors(entries));
  }

  async listFlavors(): Promise<Flavor[]> {
    return this.flavors.map((flavor) => ({ ...flavor }));
  }

  async getFlavor(id: string): Promise<Flavor | undefined> {
    const flavor = this.byId.get(id);
    return flavor ? { ...flavor } : undefined;
  }

  async listVolumeTypes(): Promise<VolumeType[]> {
    return [];
  }
}
