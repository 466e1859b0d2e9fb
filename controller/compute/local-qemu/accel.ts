/**
 * Chooses qemu's accelerator (`[local_qemu] accel`). `kvm` and `tcg` are taken as given; `auto` uses KVM only
 * when a probe shows that this host's KVM can run the guest kernel: boot it with a tiny initrd under
 * `-accel kvm -cpu host` and wait up to 20 s for the initrd's marker (guest-vm-recipe §1). A `/dev/kvm` that
 * exists is not enough: PVM hosts (such as the project's CI machines) offer one that crawls through a stock
 * kernel and then dies. The verdict is kept in `qemu/accel.json` for this boot of the host, so the probe runs
 * once per host boot, not once per VM.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../../shared/logging/index.js';
import { probeInitrd } from './probe-initrd.js';
import type { QemuHost } from './qemu-host.js';
import { readRecord, writeRecord, type QemuLayout } from './records.js';

/** An accelerator qemu runs a VM with. */
export type Accel = 'kvm' | 'tcg';

/** `[local_qemu] accel`. */
export type AccelSetting = 'auto' | Accel;

/** How long the probe may take before KVM is declared unusable. */
export const PROBE_TIMEOUT_MS = 20_000;

/** The cached verdict. */
interface AccelVerdict {
  bootId: string;
  accel: Accel;
  reason: string;
  checkedAt: string;
}

/** Options to configure the chooser. */
export interface AccelChooserOptions {
  setting: AccelSetting;
  layout: QemuLayout;
  host: QemuHost;
  logger: Logger;
}

/** Decides (and remembers) the accelerator. */
export class AccelChooser {
  private pending: Promise<Accel> | undefined;

  constructor(private readonly options: AccelChooserOptions) {}

  /** The accelerator for VMs booting `kernel` (the guest image's kernel, used by the probe). */
  choose(kernel: string | undefined): Promise<Accel> {
    if (this.options.setting !== 'auto') return Promise.resolve(this.options.setting);
    this.pending ??= this.decide(kernel).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async decide(kernel: string | undefined): Promise<Accel> {
    const { host, layout, logger } = this.options;
    const bootId = await host.bootId();
    const cached = await readRecord<AccelVerdict>(layout.accelFile()).catch(() => undefined);
    if (cached !== undefined && cached.bootId === bootId && (cached.accel === 'kvm' || cached.accel === 'tcg')) return cached.accel;
    let verdict: Pick<AccelVerdict, 'accel' | 'reason'>;
    if (!(await host.kvmDevice())) {
      verdict = { accel: 'tcg', reason: '/dev/kvm is absent or not accessible' };
    } else if (kernel === undefined) {
      // Without the guest's kernel there is nothing honest to probe with; do not remember this answer.
      logger.warn('no guest kernel to probe KVM with; using TCG');
      return 'tcg';
    } else {
      const initrd = join(layout.root, 'kvm-probe.cpio');
      await mkdir(layout.root, { recursive: true, mode: 0o700 });
      await writeFile(initrd, probeInitrd(), { mode: 0o600 });
      const started = Date.now();
      const usable = await host.probeKvm(kernel, initrd, PROBE_TIMEOUT_MS);
      verdict = usable
        ? { accel: 'kvm', reason: `the guest kernel ran under KVM in ${Date.now() - started} ms` }
        : { accel: 'tcg', reason: `the guest kernel did not run under KVM within ${PROBE_TIMEOUT_MS} ms (e.g. PVM, nested without VMX/SVM)` };
    }
    await writeRecord(layout.accelFile(), { bootId, ...verdict, checkedAt: new Date().toISOString() } satisfies AccelVerdict);
    logger.info({ accel: verdict.accel, reason: verdict.reason }, 'qemu accelerator chosen for this host boot');
    return verdict.accel;
  }
}
