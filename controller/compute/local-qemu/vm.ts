/**
 * One VM's process and boot: starting qemu for a server record, stopping it, and the server status read off
 * the host. The status of a VM:
 *
 *   fault recorded ................................ ERROR
 *   no qemu behind the pid file ................... SHUTOFF   (never started, stopped, crashed, powered off)
 *   qemu runs, this boot not finished yet ......... BUILD / REBOOT / HARD_REBOOT / RESIZE / REVERT_RESIZE /
 *                                                   REBUILD, by what the boot is for; ERROR once
 *                                                   `[local_qemu] ready_timeout` has passed
 *   qemu runs, boot finished ...................... ACTIVE, or VERIFY_RESIZE before a resize is confirmed
 *
 * A boot has finished when cloud-init's final message appears on the console after the launch, or when the
 * datastore answers with a real banner on the instance's forwarded port (this also covers a console log that
 * was rotated away). A running VM is found through its pid file and `/proc/<pid>/cmdline`, so a restarted
 * controller adopts what its predecessor started.
 */
import { availableParallelism } from 'node:os';
import type { DatastoreManager, TroveConfig } from '../../../shared/config/index.js';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { ServerStatus, type FlavorCatalog, type ServerFault } from '../ports.js';
import type { Accel, AccelChooser } from './accel.js';
import type { BannerKind } from './banner.js';
import { bootFinished, consoleSize } from './console-log.js';
import type { QemuHost } from './qemu-host.js';
import { qemuArgs, vmCpus } from './qemu-command.js';
import { writeRecord, type QemuLayout } from './records.js';
import type { BrokerForward } from './seed.js';

/** What the current boot of a VM is for. */
export type BootPhase = 'build' | 'reboot' | 'hard-reboot' | 'resize' | 'revert' | 'rebuild';

const PHASE_STATUS: Record<BootPhase, ServerStatus> = {
  build: ServerStatus.BUILD,
  reboot: ServerStatus.REBOOT,
  'hard-reboot': ServerStatus.HARD_REBOOT,
  resize: ServerStatus.RESIZE,
  revert: ServerStatus.REVERT_RESIZE,
  rebuild: ServerStatus.REBUILD,
};

/** A server as recorded in `qemu/servers/<id>/server.json`. */
export interface QemuServerRecord {
  id: string;
  name: string;
  instanceId: string;
  imageId: string;
  /** The image version and disk the VM was made from (a newer image never changes an existing VM). */
  image: { name: string; hash: string; base: string; warm: boolean; kernel?: { vmlinuz: string; initrd: string; rootLabel: string } };
  flavorId: string;
  /** The flavor before an unconfirmed resize. */
  previousFlavorId: string | null;
  address: string;
  /** True when the server allocated its address itself (no port). */
  ownsAddress: boolean;
  portIds: string[];
  volumeId: string | null;
  deleteVolumeOnTermination: boolean;
  manager: DatastoreManager;
  /** The datastore's port, forwarded from `address` to the same port in the guest. */
  datastorePort: number;
  bannerKind: BannerKind;
  /** cloud-init's instance-id; a new one per rebuild. */
  cloudInstanceId: string;
  brokers: BrokerForward[];
  metadata: Record<string, string>;
  availabilityZone: string | null;
  serverGroupId: string | null;
  createdAt: string;
  fault: ServerFault | null;
  phase: BootPhase;
  /** When qemu was last launched (ISO time); null before the first launch. */
  bootStartedAt: string | null;
  /** Size of the console log at that launch: the boot's output starts there. */
  consoleOffset: number;
  /** When the current boot was seen finished; null while booting. */
  bootedAt: string | null;
  /** What the last launch used. */
  accel: Accel | null;
  memoryMb: number;
  cpus: number;
}

/** What the runner needs. */
export interface VmRunnerDeps {
  config: TroveConfig;
  layout: QemuLayout;
  host: QemuHost;
  flavors: FlavorCatalog;
  accel: AccelChooser;
  logger: Logger;
  /** @default Date.now */
  now?: () => number;
  /** @default a timer */
  sleep?: (ms: number) => Promise<void>;
  /** Host CPUs that may run vCPUs. @default os.availableParallelism() */
  hostCpus?: number;
}

/** How stopping treats the guest. */
export type StopMode = 'graceful' | 'kill';

/** Seconds after SIGTERM before qemu gets SIGKILL. */
const TERM_GRACE_MS = 5000;
/** Minimum time between two banner probes of one booting VM. */
const BANNER_INTERVAL_MS = 10_000;

function vmError(method: string, message: string, status: number): TroveError {
  return new TroveError(ErrorCode.BACKEND_ERROR, message, { details: { service: 'local-qemu', method, status } });
}

/** Starts, stops and observes VMs. */
export class VmRunner {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly bannerCheckedAt = new Map<string, number>();

  constructor(private readonly deps: VmRunnerDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The qemu pid of a server, when its VM runs. */
  runningPid(id: string): Promise<number | undefined> {
    return this.deps.host.runningPid(this.deps.layout.pidFile(id));
  }

  /**
   * Launches the VM of `record` for a boot of kind `phase`; the record is saved (with the boot's console
   * offset) before qemu starts, so a controller that dies in between still judges the boot right.
   * @throws TroveError BACKEND_ERROR when the flavor is gone or qemu refuses to start
   */
  async launch(record: QemuServerRecord, phase: BootPhase): Promise<QemuServerRecord> {
    const { config, layout, host, flavors } = this.deps;
    const flavor = await flavors.getFlavor(record.flavorId);
    if (flavor === undefined) throw vmError('launch', `Flavor ${record.flavorId} does not exist.`, 400);
    const accel = await this.deps.accel.choose(record.image.kernel?.vmlinuz);
    const memoryMb = config.local_qemu.memory_mb > 0 ? config.local_qemu.memory_mb : flavor.ram;
    const cpus = vmCpus(flavor.vcpus, this.deps.hostCpus ?? availableParallelism());
    const started: QemuServerRecord = {
      ...record,
      fault: null,
      phase,
      bootStartedAt: new Date(this.now()).toISOString(),
      consoleOffset: await consoleSize(layout.consoleLog(record.id)),
      bootedAt: null,
      accel,
      memoryMb,
      cpus,
    };
    const args = qemuArgs({
      name: `trove-${record.id}`,
      accel,
      memoryMb,
      cpus,
      rootDisk: layout.rootDisk(record.id),
      ...(record.volumeId === null ? {} : { volumeDisk: layout.volumeDisk(record.volumeId) }),
      seedIso: layout.seedIso(record.id),
      ...(record.image.kernel === undefined ? {} : { kernel: record.image.kernel }),
      consoleLog: layout.consoleLog(record.id),
      pidFile: layout.pidFile(record.id),
      qmpSocket: layout.qmpSocket(record.id),
      forwards: [{ hostAddress: record.address, hostPort: record.datastorePort, guestPort: record.datastorePort }],
      brokerGuestAddress: config.local_qemu.broker_guest_address,
      brokers: record.brokers,
    });
    await this.save(started);
    await host.launch(args);
    this.bannerCheckedAt.delete(record.id);
    this.deps.logger.info({ serverId: record.id, instanceId: record.instanceId, phase, accel, memoryMb, cpus, pid: await this.runningPid(record.id) }, 'VM started');
    return started;
  }

  /**
   * Stops the VM: `graceful` presses the ACPI power button and waits up to `[local_qemu] shutdown_timeout`
   * for the guest to power off; then (or at once with `kill`) qemu's process group gets SIGTERM, and SIGKILL
   * after a grace period. Returns once no qemu of the server is left.
   */
  async stop(record: QemuServerRecord, mode: StopMode): Promise<void> {
    const { host, layout, config, logger } = this.deps;
    const pid = await this.runningPid(record.id);
    if (pid === undefined) return;
    if (mode === 'graceful') {
      const pressed = await host.qmp(layout.qmpSocket(record.id), 'system_powerdown').then(
        () => true,
        (error: unknown) => {
          logger.warn({ serverId: record.id, err: error }, 'could not press the power button; stopping qemu');
          return false;
        },
      );
      if (pressed && (await this.waitGone(record.id, config.local_qemu.shutdown_timeout * 1000))) {
        logger.info({ serverId: record.id, pid }, 'VM powered off');
        return;
      }
      if (pressed) logger.warn({ serverId: record.id, pid, seconds: config.local_qemu.shutdown_timeout }, 'guest did not power off in time; stopping qemu');
    }
    host.kill(pid, 'SIGTERM');
    if (!(await this.waitGone(record.id, TERM_GRACE_MS))) {
      host.kill(pid, 'SIGKILL');
      if (!(await this.waitGone(record.id, TERM_GRACE_MS))) throw vmError('stop', `qemu (pid ${pid}) of server ${record.id} does not exit.`, 500);
    }
    logger.info({ serverId: record.id, pid, mode }, 'VM stopped');
  }

  private async waitGone(id: string, timeoutMs: number): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      if ((await this.runningPid(id)) === undefined) return true;
      if (this.now() >= deadline) return false;
      await this.sleep(250);
    }
  }

  /** The status of a server, recording a finished boot or a boot that ran out of time. */
  async status(record: QemuServerRecord): Promise<{ status: ServerStatus; record: QemuServerRecord }> {
    if (record.fault !== null) return { status: ServerStatus.ERROR, record };
    if ((await this.runningPid(record.id)) === undefined) return { status: ServerStatus.SHUTOFF, record };
    if (record.bootedAt === null) {
      if (await this.bootIsUp(record)) {
        const booted = { ...record, bootedAt: new Date(this.now()).toISOString() };
        await this.save(booted);
        this.deps.logger.info({ serverId: record.id, instanceId: record.instanceId, seconds: this.bootSeconds(record) }, 'VM booted');
        return this.status(booted);
      }
      const limit = this.deps.config.local_qemu.ready_timeout;
      if (this.bootSeconds(record) > limit) {
        const fault: ServerFault = {
          code: 500,
          message: `The guest did not finish booting within ${limit} s ([local_qemu] ready_timeout).`,
          details: `See the VM's console log ${this.deps.layout.consoleLog(record.id)}.`,
          created: new Date(this.now()).toISOString(),
        };
        const failed = { ...record, fault };
        await this.save(failed);
        this.deps.logger.error({ serverId: record.id, instanceId: record.instanceId, seconds: limit }, 'VM did not finish booting in time');
        return { status: ServerStatus.ERROR, record: failed };
      }
      return { status: PHASE_STATUS[record.phase], record };
    }
    return { status: record.previousFlavorId !== null ? ServerStatus.VERIFY_RESIZE : ServerStatus.ACTIVE, record };
  }

  private bootSeconds(record: QemuServerRecord): number {
    return record.bootStartedAt === null ? 0 : (this.now() - Date.parse(record.bootStartedAt)) / 1000;
  }

  private async bootIsUp(record: QemuServerRecord): Promise<boolean> {
    if (await bootFinished(this.deps.layout.consoleLog(record.id), record.consoleOffset)) return true;
    const last = this.bannerCheckedAt.get(record.id) ?? 0;
    if (this.now() - last < BANNER_INTERVAL_MS) return false;
    this.bannerCheckedAt.set(record.id, this.now());
    return this.deps.host.datastoreAnswers(record.address, record.datastorePort, record.bannerKind);
  }

  /** Saves a server record. */
  save(record: QemuServerRecord): Promise<void> {
    return writeRecord(this.deps.layout.serverFile(record.id), record);
  }
}
