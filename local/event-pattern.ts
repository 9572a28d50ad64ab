import { BlockList, isIP } from 'node:net';

/**
 * The EventBridge event pattern language, used by event bus rules, EventBridge Pipes filter
 * criteria and Lambda event filtering alike (semantics of aws/event-ruler's `rulesForJSONEvent`).
 *
 * Written by hand: aws/event-ruler is Java only, and the one JavaScript port on npm
 * (eb-patterns) has a single maintainer, a handful of downloads and could not be installed
 * from the registry, so it is not a dependency worth taking.
 *
 * Semantics implemented:
 * - A pattern is an object; every field in it must match (AND). A field's value is either a
 *   nested pattern object or a non-empty array of conditions, any of which may match (OR).
 * - `"$or": [pattern, pattern, ...]` (two or more objects) matches if any sub-pattern matches.
 * - Conditions apply to leaf values only. If the event value is an array, the field matches
 *   when any element matches; a nested pattern applied to an array of objects must match
 *   within a single element (array consistency).
 * - Exact values (string, number, boolean, null), `prefix`, `suffix` (both also with
 *   `{ "equals-ignore-case": ... }`), `equals-ignore-case`, `wildcard`, `anything-but`
 *   (value, list, or `prefix` / `suffix` / `equals-ignore-case` / `wildcard`), `numeric`,
 *   `exists` and `cidr` (IPv4 and IPv6).
 * - `anything-but` and all other value conditions need the field to be present; only
 *   `{ "exists": false }` matches an absent field (or one whose value is an object).
 */
export class InvalidEventPatternError extends Error {
  override name = 'InvalidEventPatternError';
}

export type EventPatternMatcher = (event: unknown) => boolean;

/** Compiles `pattern` once (validating it) into a matcher that can be applied to many events. */
export function compileEventPattern(pattern: unknown): EventPatternMatcher {
  if (!isPlainObject(pattern)) {
    throw new InvalidEventPatternError('An event pattern must be a JSON object');
  }
  return compileObject(pattern, '');
}

const compiledPatterns = new WeakMap<object, EventPatternMatcher>();

/** True if `event` matches the EventBridge event `pattern`. Throws InvalidEventPatternError for malformed patterns. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (!isPlainObject(pattern)) return compileEventPattern(pattern)(event);
  let matcher = compiledPatterns.get(pattern);
  if (!matcher) {
    matcher = compileEventPattern(pattern);
    compiledPatterns.set(pattern, matcher);
  }
  return matcher(event);
}

/** Throws InvalidEventPatternError if `pattern` is not a valid event pattern. */
export function validateEventPattern(pattern: unknown): void {
  compileEventPattern(pattern);
}

type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldOf(value: unknown, key: string): unknown {
  return isPlainObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

/** `$or` is only the OR primitive when it holds two or more patterns; otherwise it is a field name. */
function isOrPrimitive(value: unknown): value is JsonObject[] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every(
      (branch) => isPlainObject(branch) && Object.keys(branch).every((key) => !OPERATORS.has(key)),
    )
  );
}

function compileObject(pattern: JsonObject, path: string): EventPatternMatcher {
  const entries = Object.entries(pattern);
  if (entries.length === 0) {
    throw new InvalidEventPatternError(`Empty pattern object at '${path || '$'}'`);
  }
  const fieldMatchers = entries.map(([key, value]): EventPatternMatcher => {
    const fieldPath = path ? `${path}.${key}` : key;
    if (key === '$or' && isOrPrimitive(value)) {
      const branches = value.map((branch) => compileObject(branch, path));
      return (event) => branches.some((branch) => branch(event));
    }
    if (Array.isArray(value)) {
      const matchLeaf = compileConditions(value, fieldPath);
      return (event) => matchLeaf(fieldOf(event, key));
    }
    if (isPlainObject(value)) {
      const matchNested = compileObject(value, fieldPath);
      return (event) => matchWithin(matchNested, fieldOf(event, key));
    }
    throw new InvalidEventPatternError(
      `'${fieldPath}' must be an array of conditions or a nested pattern object`,
    );
  });
  return (event) => fieldMatchers.every((matches) => matches(event));
}

/** Applies a nested pattern to a field value; an array matches if any one element does. */
function matchWithin(matcher: EventPatternMatcher, value: unknown): boolean {
  if (!Array.isArray(value)) return matcher(value);
  const elements = value.flat(Number.POSITIVE_INFINITY);
  if (elements.length === 0) return matcher(undefined);
  return elements.some((element) => matcher(element));
}

/** The leaf values of a field: none if absent or an object, the elements if an array. */
function leafValues(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) {
    return value.flat(Number.POSITIVE_INFINITY).filter((element) => !isPlainObject(element));
  }
  return isPlainObject(value) ? [] : [value];
}

type Condition = { exists: boolean } | { test: (value: unknown) => boolean };

function compileConditions(conditions: unknown[], path: string): (value: unknown) => boolean {
  if (conditions.length === 0) {
    throw new InvalidEventPatternError(`'${path}' has an empty array of conditions`);
  }
  const compiled = conditions.map((condition) => compileCondition(condition, path));
  return (value) => {
    const leaves = leafValues(value);
    return compiled.some((condition) =>
      'exists' in condition
        ? condition.exists === leaves.length > 0
        : leaves.some((leaf) => condition.test(leaf)),
    );
  };
}

function compileCondition(condition: unknown, path: string): Condition {
  if (condition === null || ['string', 'number', 'boolean'].includes(typeof condition)) {
    return { test: (value) => value === condition };
  }
  if (!isPlainObject(condition)) {
    throw new InvalidEventPatternError(
      `'${path}' has an invalid condition: ${stringify(condition)}`,
    );
  }
  const [operator, ...others] = Object.keys(condition);
  if (operator === undefined || others.length > 0) {
    throw new InvalidEventPatternError(
      `'${path}': a condition object must have exactly one operator, got ${stringify(condition)}`,
    );
  }
  const operand = condition[operator];
  const where = `'${path}' ${operator}`;
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') {
        throw new InvalidEventPatternError(`${where} must be true or false`);
      }
      return { exists: operand };
    case 'prefix':
    case 'suffix':
      return { test: compileAffix(operator, operand, where) };
    case 'equals-ignore-case': {
      const expected = requireString(operand, where);
      return { test: (value) => typeof value === 'string' && equalsIgnoreCase(value, expected) };
    }
    case 'wildcard': {
      const regex = compileWildcard(requireString(operand, where), where);
      return { test: (value) => typeof value === 'string' && regex.test(value) };
    }
    case 'numeric':
      return { test: compileNumeric(operand, where) };
    case 'cidr':
      return { test: compileCidr(operand, where) };
    case 'anything-but': {
      const excluded = compileAnythingBut(operand, where);
      return { test: (value) => !excluded(value) };
    }
    default:
      throw new InvalidEventPatternError(`'${path}' uses unknown operator '${operator}'`);
  }
}

function stringify(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function requireString(operand: unknown, where: string): string {
  if (typeof operand !== 'string') {
    throw new InvalidEventPatternError(`${where} needs a string, got ${stringify(operand)}`);
  }
  return operand;
}

function equalsIgnoreCase(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** `prefix` / `suffix` with a string, or with `{ "equals-ignore-case": string }`. */
function compileAffix(
  operator: 'prefix' | 'suffix',
  operand: unknown,
  where: string,
): (value: unknown) => boolean {
  let affix: string;
  let ignoreCase = false;
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new InvalidEventPatternError(
        `${where} accepts a string or { "equals-ignore-case": string }`,
      );
    }
    affix = requireString(operand['equals-ignore-case'], where);
    ignoreCase = true;
  } else {
    affix = requireString(operand, where);
  }
  const expected = ignoreCase ? affix.toLowerCase() : affix;
  return (value) => {
    if (typeof value !== 'string') return false;
    const actual = ignoreCase ? value.toLowerCase() : value;
    return operator === 'prefix' ? actual.startsWith(expected) : actual.endsWith(expected);
  };
}

/**
 * `*` matches any run of characters; `\*` is a literal asterisk and `\\` a literal backslash.
 * Consecutive wildcards and other escapes are rejected, as EventBridge does.
 */
function compileWildcard(pattern: string, where: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\') {
        throw new InvalidEventPatternError(`${where}: only '*' and '\\' may be escaped`);
      }
      source += `\\${next}`;
      index++;
    } else if (char === '*') {
      if (pattern[index + 1] === '*') {
        throw new InvalidEventPatternError(`${where}: consecutive wildcard characters`);
      }
      source += '.*';
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

/** `["=", n]`, or one or two bounds such as `[">", 0, "<=", 5]`; matches JSON numbers only. */
function compileNumeric(operand: unknown, where: string): (value: unknown) => boolean {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    throw new InvalidEventPatternError(`${where} needs [operator, number, ...] pairs`);
  }
  const comparisons: { operator: string; bound: number }[] = [];
  for (let index = 0; index < operand.length; index += 2) {
    const operator = operand[index];
    const bound = operand[index + 1];
    if (typeof operator !== 'string' || !NUMERIC_OPERATORS.has(operator)) {
      throw new InvalidEventPatternError(`${where}: unknown comparison ${stringify(operator)}`);
    }
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new InvalidEventPatternError(`${where}: ${operator} needs a number`);
    }
    comparisons.push({ operator, bound });
  }
  const hasEquals = comparisons.some((comparison) => comparison.operator === '=');
  const lower = comparisons.filter((c) => c.operator.startsWith('>'));
  const upper = comparisons.filter((c) => c.operator.startsWith('<'));
  if ((hasEquals && comparisons.length > 1) || lower.length > 1 || upper.length > 1) {
    throw new InvalidEventPatternError(
      `${where}: use "=" alone, or at most one lower and one upper bound`,
    );
  }
  return (value) =>
    typeof value === 'number' &&
    comparisons.every(({ operator, bound }) => {
      switch (operator) {
        case '=':
          return value === bound;
        case '<':
          return value < bound;
        case '<=':
          return value <= bound;
        case '>':
          return value > bound;
        default:
          return value >= bound;
      }
    });
}

function compileCidr(operand: unknown, where: string): (value: unknown) => boolean {
  const cidr = requireString(operand, where);
  const [network, prefixText, ...rest] = cidr.split('/');
  const family = network ? isIP(network) : 0;
  const prefixLength = Number(prefixText);
  const maxPrefix = family === 6 ? 128 : 32;
  if (
    !network ||
    family === 0 ||
    rest.length > 0 ||
    !Number.isInteger(prefixLength) ||
    prefixLength < 0 ||
    prefixLength > maxPrefix
  ) {
    throw new InvalidEventPatternError(`${where}: invalid CIDR block '${cidr}'`);
  }
  const blocks = new BlockList();
  const type = family === 6 ? 'ipv6' : 'ipv4';
  blocks.addSubnet(network, prefixLength, type);
  return (value) =>
    typeof value === 'string' && isIP(value) === family && blocks.check(value, type);
}

/** Returns the predicate for the *excluded* values. */
function compileAnythingBut(operand: unknown, where: string): (value: unknown) => boolean {
  if (isPlainObject(operand)) {
    const [operator, ...others] = Object.keys(operand);
    if (operator === undefined || others.length > 0) {
      throw new InvalidEventPatternError(`${where} takes a single nested operator`);
    }
    const inner = operand[operator];
    const operands = Array.isArray(inner) ? inner : [inner];
    if (operands.length === 0) throw new InvalidEventPatternError(`${where}: empty list`);
    const strings = operands.map((value) => requireString(value, `${where} ${operator}`));
    switch (operator) {
      case 'prefix':
        return (value) => typeof value === 'string' && strings.some((s) => value.startsWith(s));
      case 'suffix':
        return (value) => typeof value === 'string' && strings.some((s) => value.endsWith(s));
      case 'equals-ignore-case':
        return (value) =>
          typeof value === 'string' && strings.some((s) => equalsIgnoreCase(value, s));
      case 'wildcard': {
        const regexes = strings.map((s) => compileWildcard(s, where));
        return (value) => typeof value === 'string' && regexes.some((regex) => regex.test(value));
      }
      default:
        throw new InvalidEventPatternError(`${where} does not support '${operator}'`);
    }
  }
  const values = Array.isArray(operand) ? operand : [operand];
  if (values.length === 0) throw new InvalidEventPatternError(`${where}: empty list`);
  const kinds = new Set(values.map((value) => typeof value));
  if (kinds.size !== 1 || !(kinds.has('string') || kinds.has('number'))) {
    throw new InvalidEventPatternError(`${where} needs strings only or numbers only`);
  }
  return (value) => values.includes(value);
}
