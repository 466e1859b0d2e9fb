export { PolicyEnforcer, PolicyNotAuthorizedError, resolvePolicyFile } from './enforcer.js';
export type { PolicyCredentials, PolicyEnforcerOptions } from './enforcer.js';
export { DEFAULT_RULES, API_RULES, BASE_RULES } from './defaults.js';
export type { PolicyDefault, PolicyOperation } from './defaults.js';
export { generatePolicyYaml } from './generate.js';
export { parseRule, evaluate } from './rule.js';
export type { Check, ParsedRule, PolicyInput } from './rule.js';
