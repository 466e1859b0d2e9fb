/**
 * The policy enforcer of the API: Trove's default rules overridden by the operator's policy file (YAML or
 * JSON, like oslo.policy's `policy_file`), reloaded when the file changes. Targets follow Trove
 * (`common/policy.py`): `{tenant: <owner of the object>}` for object checks and `{tenant: <caller's project>}`
 * for collections and creates.
 *
 * Failure handling: a file that cannot be read or parsed at start-up is a configuration error (the API does
 * not start with a policy other than the operator's); on reload the previous rules stay in force and the
 * error is logged. A single rule that does not parse denies (fail closed).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import yaml from 'js-yaml';
import { ConfigError, ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { DEFAULT_RULES } from './defaults.js';
import { evaluate, parseRule, type Check, type PolicyInput } from './rule.js';

/** What the enforcer knows about the caller. */
export interface PolicyCredentials {
  project_id: string | null;
  user_id: string | null;
  roles: readonly string[];
  is_admin: boolean;
  [key: string]: unknown;
}

/** Thrown when the policy refuses an action (Trove's `PolicyNotAuthorized`, HTTP 403). */
export class PolicyNotAuthorizedError extends TroveError {
  constructor(action: string) {
    super(ErrorCode.POLICY_NOT_AUTHORIZED, `Policy doesn't allow ${action} to be performed.`, { details: { action } });
  }
}

/** Options to configure a `PolicyEnforcer`. */
export interface PolicyEnforcerOptions {
  /** Policy file; undefined or a missing file means the defaults alone. */
  file?: string;
  logger: Logger;
  /** How often the file's modification time is checked, in milliseconds. @default 1000 */
  reloadCheckMs?: number;
}

interface LoadedRules {
  rules: Map<string, Check>;
  signature: string;
}

function parseFile(file: string): Record<string, unknown> {
  const text = readFileSync(file, 'utf8');
  let data: unknown;
  try {
    data = file.endsWith('.json') ? JSON.parse(text) : yaml.load(text, { schema: yaml.JSON_SCHEMA });
  } catch (error) {
    throw new ConfigError(`Policy file ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data === undefined || data === null) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`Policy file ${file} must map rule names to rules`);
  for (const [name, value] of Object.entries(data)) {
    if (typeof value !== 'string' && !Array.isArray(value)) {
      throw new ConfigError(`Policy file ${file}: rule '${name}' must be a string`);
    }
  }
  return data as Record<string, unknown>;
}

function fileSignature(file: string | undefined): string {
  if (file === undefined || !existsSync(file)) return 'absent';
  const stat = statSync(file);
  return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
}

/**
 * Finds the policy file the way the API's config names it: absolute paths as given, relative ones next to
 * each config file and then in /etc/trove. Returns undefined when none exists.
 */
export function resolvePolicyFile(policyFile: string | null, configFiles: readonly string[]): string | undefined {
  if (policyFile === null || policyFile === '') return undefined;
  if (isAbsolute(policyFile)) return policyFile;
  const candidates = [...configFiles.map((file) => join(dirname(file), policyFile)), join('/etc/trove', policyFile)];
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0];
}

export class PolicyEnforcer {
  private readonly file: string | undefined;
  private readonly logger: Logger;
  private readonly reloadCheckMs: number;
  private loaded: LoadedRules;
  private lastCheck = 0;

  /**
   * Loads the defaults and the policy file.
   * @throws ConfigError when the policy file cannot be read or parsed
   */
  constructor(options: PolicyEnforcerOptions) {
    this.file = options.file;
    this.logger = options.logger.child({ component: 'policy' });
    this.reloadCheckMs = options.reloadCheckMs ?? 1000;
    this.loaded = this.load();
    this.lastCheck = Date.now();
  }

  private load(): LoadedRules {
    const signature = fileSignature(this.file);
    const sources = new Map<string, unknown>(DEFAULT_RULES.map((rule) => [rule.name, rule.check]));
    if (this.file !== undefined && signature !== 'absent') {
      for (const [name, value] of Object.entries(parseFile(this.file))) sources.set(name, value);
    }
    const rules = new Map<string, Check>();
    for (const [name, source] of sources) {
      const parsed = parseRule(source);
      if (parsed.error !== undefined) this.logger.error({ rule: name, reason: parsed.error }, 'policy rule does not parse; it denies');
      rules.set(name, parsed.check);
    }
    return { rules, signature };
  }

  private refresh(): void {
    const now = Date.now();
    if (now - this.lastCheck < this.reloadCheckMs) return;
    this.lastCheck = now;
    let signature: string;
    try {
      signature = fileSignature(this.file);
    } catch (error) {
      this.logger.error({ err: error, file: this.file }, 'cannot stat the policy file; keeping the current rules');
      return;
    }
    if (signature === this.loaded.signature) return;
    try {
      this.loaded = this.load();
      this.logger.info({ file: this.file }, 'policy reloaded');
    } catch (error) {
      this.loaded = { ...this.loaded, signature };
      this.logger.error({ err: error, file: this.file }, 'policy file is invalid; keeping the current rules');
    }
  }

  /** Whether the policy allows `action`; rules without a definition fall back to `default` as in oslo. */
  check(action: string, target: Record<string, unknown>, credentials: PolicyCredentials): boolean {
    this.refresh();
    const rules = this.loaded.rules;
    const rule = rules.get(action) ?? rules.get('default');
    if (rule === undefined) return false;
    const input: PolicyInput = { target, credentials };
    return evaluate(rule, input, (name) => rules.get(name));
  }

  /**
   * Enforces `action`.
   * @throws PolicyNotAuthorizedError when the policy refuses it
   */
  authorize(action: string, target: Record<string, unknown>, credentials: PolicyCredentials): void {
    if (!this.check(action, target, credentials)) throw new PolicyNotAuthorizedError(action);
  }
}
