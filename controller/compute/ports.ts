/**
 * The ports between the controller and whatever runs instances. The API reads flavors (and volume types)
 * through `FlavorCatalog`; the taskmanager drives servers, volumes, networks and images through the rest.
 * Backends (`openstack/`, `local-process/`, `local-qemu/`) implement them; `createComputeBackend` in
 * `backend.ts` picks one from `[DEFAULT] compute_backend`.
 */

/** A flavor as the API shows it (Nova's fields). */
export interface Flavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  ephemeral: number;
}

/** A volume type as the API shows it. */
export interface VolumeType {
  id: string;
  name: string;
  is_public: boolean;
  description: string | null;
}

/** Read access to flavors and volume types. */
export interface FlavorCatalog {
  listFlavors(): Promise<Flavor[]>;
  /** Looks a flavor up by id; undefined when it does not exist. */
  getFlavor(id: string): Promise<Flavor | undefined>;
  listVolumeTypes(): Promise<VolumeType[]>;
}
