/** `generate-policy`: prints the API's default policy as YAML, one commented rule per API action (owned by the API). */
import { generatePolicyYaml } from '../../api/policy/index.js';
import type { ManageCommandRegistration } from './types.js';

export const registerGeneratePolicy: ManageCommandRegistration = (program, runtime) => {
  program
    .command('generate-policy')
    .description("print the API's default policy (YAML with a description of every rule)")
    .action(() => {
      runtime.write(generatePolicyYaml());
    });
};
