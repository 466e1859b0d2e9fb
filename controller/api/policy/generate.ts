/**
 * Renders the default policy as a YAML file with a comment per rule (what it guards and the requests it
 * applies to), in the style of oslopolicy-sample-generator. Every rule is written active, so the output is a
 * complete policy file an operator can edit; `trove-manage generate-policy` prints it.
 */
import { DEFAULT_RULES, type PolicyDefault } from './defaults.js';

function renderRule(rule: PolicyDefault): string {
  const lines = [`# ${rule.description}`];
  for (const operation of rule.operations) lines.push(`# ${operation.method} ${operation.path}`);
  // A JSON string is a valid YAML double-quoted scalar; rule names contain ':' and must be quoted.
  lines.push(`${JSON.stringify(rule.name)}: ${JSON.stringify(rule.check)}`);
  return lines.join('\n');
}

/** The default policy as YAML text. */
export function generatePolicyYaml(rules: readonly PolicyDefault[] = DEFAULT_RULES): string {
  const header = [
    '# trove-ts API policy (oslo.policy rule language).',
    '# Every rule below is Trove\'s default. Put only the rules you change in the file named by',
    '# [DEFAULT] policy_file; the API reloads it when it changes.',
    '',
  ].join('\n');
  return `${header}\n${rules.map(renderRule).join('\n\n')}\n`;
}
