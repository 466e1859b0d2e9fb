/** The shape of a trove-manage command module: it adds itself to the program. */
import type { Command } from 'commander';
import type { ManageRuntime } from '../runtime.js';

/** Adds one or more commands to `program`; actions use `runtime` for config, database and output. */
export type ManageCommandRegistration = (program: Command, runtime: ManageRuntime) => void;
