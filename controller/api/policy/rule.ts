/**
 * The oslo.policy rule language: parsing a rule text into a check tree and evaluating it against a target
 * and the caller's credentials. Semantics follow oslo.policy (`_parser.py`, `_checks.py`):
 *
 *   rule   := or_expr | ""            ("" always passes)
 *   or     := and ("or" and)*         ("and" binds tighter than "or")
 *   and    := not ("and" not)*
 *   not    := "not" not | "(" or ")" | check
 *   check  := "@" | "!" | "rule:NAME" | "role:NAME" | LEFT ":" RIGHT
 *
 * A generic check `LEFT:RIGHT` substitutes `%(key)s` in RIGHT from the target, then compares it with the
 * credential at the dotted path LEFT (`project_id`, `is_admin`, `user.domain`), or with LEFT itself when LEFT
 * is a Python literal (`'member'`, `True`, `42`). Values compare as Python's `str()` renders them, so
 * `is_admin:True` matches the boolean `true`. A rule that does not parse denies (fail closed), as in oslo.
 */

/** What a check is evaluated against: the caller (credentials) and the object acted on (target). */
export interface PolicyInput {
  target: Readonly<Record<string, unknown>>;
  credentials: Readonly<Record<string, unknown>>;
}

/** Resolves `rule:NAME` references; undefined when no rule has that name. */
export type RuleResolver = (name: string) => Check | undefined;

/** A node of a parsed rule. */
export type Check =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'and'; checks: Check[] }
  | { kind: 'or'; checks: Check[] }
  | { kind: 'not'; check: Check }
  | { kind: 'rule'; name: string }
  | { kind: 'role'; match: string }
  | { kind: 'generic'; left: string; match: string };

/** The outcome of parsing: the check tree, plus the reason when the text did not parse (then `check` denies). */
export interface ParsedRule {
  check: Check;
  error?: string;
}

type Token = { type: '(' | ')' | 'and' | 'or' | 'not' } | { type: 'check'; check: Check };

const FALSE: Check = { kind: 'false' };
const TRUE: Check = { kind: 'true' };

function parseCheck(text: string): Check {
  if (text === '!') return FALSE;
  if (text === '@') return TRUE;
  const colon = text.indexOf(':');
  if (colon < 0) return FALSE;
  const left = text.slice(0, colon);
  const match = text.slice(colon + 1);
  if (left === 'rule') return { kind: 'rule', name: match };
  if (left === 'role') return { kind: 'role', match };
  // oslo's 'http' check calls a remote server; trove-ts never makes such calls, so it denies.
  if (left === 'http' || left === 'https') return FALSE;
  return { kind: 'generic', left, match };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    let rest = word;
    while (rest.startsWith('(')) {
      tokens.push({ type: '(' });
      rest = rest.slice(1);
    }
    if (rest === '') continue;
    let trailing = 0;
    while (rest.endsWith(')') && rest.length > 0) {
      // A check such as `project_id:%(tenant)s` ends in `s`, never in `)`, so trailing parentheses are syntax.
      trailing++;
      rest = rest.slice(0, -1);
    }
    const lowered = rest.toLowerCase();
    if (lowered === 'and' || lowered === 'or' || lowered === 'not') tokens.push({ type: lowered });
    else if (rest !== '') tokens.push({ type: 'check', check: parseCheck(rest) });
    for (let index = 0; index < trailing; index++) tokens.push({ type: ')' });
  }
  return tokens;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Check {
    const check = this.orExpr();
    if (this.position !== this.tokens.length) throw new Error(`unexpected '${this.describe(this.tokens[this.position])}'`);
    return check;
  }

  private describe(token: Token | undefined): string {
    if (token === undefined) return 'end of rule';
    return token.type === 'check' ? 'check' : token.type;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private orExpr(): Check {
    const checks = [this.andExpr()];
    while (this.peek()?.type === 'or') {
      this.position++;
      checks.push(this.andExpr());
    }
    return checks.length === 1 ? (checks[0] as Check) : { kind: 'or', checks };
  }

  private andExpr(): Check {
    const checks = [this.unary()];
    while (this.peek()?.type === 'and') {
      this.position++;
      checks.push(this.unary());
    }
    return checks.length === 1 ? (checks[0] as Check) : { kind: 'and', checks };
  }

  private unary(): Check {
    const token = this.peek();
    if (token === undefined) throw new Error('rule ends too early');
    this.position++;
    if (token.type === 'not') return { kind: 'not', check: this.unary() };
    if (token.type === '(') {
      const inner = this.orExpr();
      if (this.peek()?.type !== ')') throw new Error(`expected ')' but found ${this.describe(this.peek())}`);
      this.position++;
      return inner;
    }
    if (token.type === 'check') return token.check;
    throw new Error(`unexpected '${token.type}'`);
  }
}

/** Parses a rule text (or oslo's legacy list-of-lists form). Never throws: a bad rule denies. */
export function parseRule(rule: unknown): ParsedRule {
  if (Array.isArray(rule)) return parseListRule(rule);
  if (typeof rule !== 'string') return { check: FALSE, error: 'a rule must be a string' };
  if (rule.trim() === '') return { check: TRUE };
  try {
    return { check: new Parser(tokenize(rule)).parse() };
  } catch (error) {
    return { check: FALSE, error: `cannot parse rule "${rule}": ${(error as Error).message}` };
  }
}

function parseListRule(rule: unknown[]): ParsedRule {
  if (rule.length === 0) return { check: TRUE };
  const alternatives: Check[] = [];
  for (const inner of rule) {
    const conjunction = typeof inner === 'string' ? [inner] : inner;
    if (!Array.isArray(conjunction)) return { check: FALSE, error: 'a list rule must hold strings or lists of strings' };
    if (conjunction.length === 0) continue;
    if (conjunction.some((item) => typeof item !== 'string')) return { check: FALSE, error: 'a list rule must hold strings' };
    const checks = (conjunction as string[]).map(parseCheck);
    alternatives.push(checks.length === 1 ? (checks[0] as Check) : { kind: 'and', checks });
  }
  if (alternatives.length === 0) return { check: FALSE };
  return { check: alternatives.length === 1 ? (alternatives[0] as Check) : { kind: 'or', checks: alternatives } };
}

/** Python's `str()` of a JSON-ish value, which is what oslo compares. */
function pythonString(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  return String(value);
}

/** `match % target`: substitutes every `%(key)s`; undefined when a key is missing (the check then fails). */
function substitute(match: string, target: Readonly<Record<string, unknown>>): string | undefined {
  let missing = false;
  const result = match.replace(/%(?:\(([^)]*)\)s|%)/g, (whole, key: string | undefined) => {
    if (whole === '%%') return '%';
    if (key === undefined || !Object.prototype.hasOwnProperty.call(target, key)) {
      missing = true;
      return '';
    }
    return pythonString(target[key]);
  });
  return missing ? undefined : result;
}

/** Interprets LEFT as a Python literal (`'x'`, `"x"`, `True`, `False`, `None`, numbers); undefined otherwise. */
function literal(left: string): string | undefined {
  if (left.length >= 2 && ((left.startsWith("'") && left.endsWith("'")) || (left.startsWith('"') && left.endsWith('"')))) {
    return left.slice(1, -1);
  }
  if (left === 'True' || left === 'False' || left === 'None') return left;
  if (/^-?\d+$/.test(left)) return String(Number.parseInt(left, 10));
  if (/^-?\d+\.\d*$/.test(left)) return String(Number.parseFloat(left));
  return undefined;
}

function findInCredentials(value: unknown, path: readonly string[], match: string): boolean {
  if (path.length === 0) return match === pythonString(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const [key, ...rest] = path as [string, ...string[]];
  if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
  const next = (value as Record<string, unknown>)[key];
  if (Array.isArray(next)) return next.some((item) => findInCredentials(item, rest, match));
  return findInCredentials(next, rest, match);
}

/**
 * Evaluates a check. `rule:` references resolve through `resolve`; a missing rule and rule cycles deny.
 */
export function evaluate(check: Check, input: PolicyInput, resolve: RuleResolver, depth = 0): boolean {
  if (depth > 64) return false;
  switch (check.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'and':
      return check.checks.every((inner) => evaluate(inner, input, resolve, depth + 1));
    case 'or':
      return check.checks.some((inner) => evaluate(inner, input, resolve, depth + 1));
    case 'not':
      return !evaluate(check.check, input, resolve, depth + 1);
    case 'rule': {
      const referenced = resolve(check.name);
      return referenced !== undefined && evaluate(referenced, input, resolve, depth + 1);
    }
    case 'role': {
      const match = substitute(check.match, input.target);
      const roles = input.credentials['roles'];
      if (match === undefined || !Array.isArray(roles)) return false;
      const wanted = match.toLowerCase();
      return roles.some((role) => typeof role === 'string' && role.toLowerCase() === wanted);
    }
    case 'generic': {
      const match = substitute(check.match, input.target);
      if (match === undefined) return false;
      const value = literal(check.left);
      if (value !== undefined) return match === value;
      return findInCredentials(input.credentials, check.left.split('.'), match);
    }
  }
}
