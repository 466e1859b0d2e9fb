/** `generate-config`: prints a sample trove.conf with every option, its help text and default. */
import { generateSampleConfig } from '../../../shared/config/index.js';
import type { ManageCommandRegistration } from './types.js';

export const registerGenerateConfig: ManageCommandRegistration = (program, runtime) => {
  program
    .command('generate-config')
    .description('print a sample trove.conf with every option, its help text and default')
    .action(() => {
      runtime.write(generateSampleConfig());
    });
};
