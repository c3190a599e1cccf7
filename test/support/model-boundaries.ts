// Boundary cases from a service model: for every constraint on an operation's input (length,
// range, enum, required member, and the absence of each optional one), a request just inside
// and one just outside, built by changing one value of a full, valid base request.
import type { ConnectModel, ModelShape } from './botocore-model';

type Json = Record<string, unknown>;
/** Where a value sits in a request: member and map-key names, list indexes. */
export type RequestPath = (string | number)[];

/** What the emulator must answer, in the words it answers with. */
export type Expectation =
  | { kind: 'accepted' }
  /** `says` must appear in the InvalidRequestException's message. */
  | { kind: 'refused'; says: string };

export interface BoundaryCase {
  /** A name that reads as the constraint and the side of it, e.g. "ClientToken: length 501 (max 500)". */
  name: string;
  /** The constraint checked, one per constraint however many cases it takes. */
  constraint: string;
  /** The field in AWS's wording (`List.1.member.Name`), as the emulator names it. */
  field: string;
  /** The value the case puts at the field (undefined: the member is left out). */
  value: unknown;
  /** The member is a URI label: an empty or absent one cannot reach the operation at all. */
  inUri: boolean;
  request: Json;
  expect: Expectation;
}

/** Shape keys that constrain a value. Any other key a walked shape carries must be one of DESCRIPTIVE. */
const DESCRIPTIVE = new Set(['type', 'members', 'member', 'key', 'value', 'documentation', 'sensitive', 'box', 'deprecated', 'deprecatedMessage', 'timestampFormat']);
const HANDLED = new Set(['min', 'max', 'enum', 'required', 'pattern', 'union']);
/** Characters tried, in order, to break a pattern; a pattern none of them breaks (`.*`) gets no outside case. */
const PATTERN_BREAKERS = [' ', '!', '#', 'é'];
/** Characters tried, in order, to pad a value to a length while it keeps to its pattern. */
const PADDING = ['x', '1', '-'];
const NOT_IN_ENUM = 'NOT_IN_THE_ENUM';

function fieldName(path: RequestPath): string {
  return path.map((p) => (typeof p === 'number' ? `${p + 1}.member` : p)).join('.');
}

/** The model's patterns match the whole value. */
function matches(pattern: string | undefined, value: string): boolean {
  return pattern === undefined || new RegExp(`^(?:${pattern})$`, 'u').test(value);
}

/** `base` cut or padded to `length` characters: a padded ARN or key stays well formed, and keeps to `pattern` where it can. */
function fit(base: string, length: number, pattern?: string): string {
  if (base.length >= length) return base.slice(0, length);
  const pad = PADDING.find((c) => matches(pattern, base + c)) ?? 'x';
  return base + pad.repeat(length - base.length);
}

const patternSays = (pattern: string): string => `Member must satisfy regular expression pattern: ${pattern}`;

/** What a string of the right length says, or does not, about its pattern. */
function patternExpectation(pattern: string | undefined, value: string, otherwise: Expectation, refused: (says: string) => Expectation): Expectation {
  return matches(pattern, value) ? otherwise : refused(patternSays(pattern ?? ''));
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A copy of `request` with the value at `path` replaced (or removed, for undefined). */
function withValue(request: Json, path: RequestPath, value: unknown): Json {
  const copy = structuredClone(request);
  let parent: unknown = copy;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[step];
  const last = path[path.length - 1];
  if (last === undefined || parent === null || typeof parent !== 'object') throw new Error(`no value at ${fieldName(path)}`);
  const container = parent as Record<string | number, unknown>;
  if (value === undefined) delete container[last];
  else container[last] = value;
  return copy;
}

/** A copy of `request` with the map at `path` holding `key` instead of its one key. */
function withKey(request: Json, path: RequestPath, oldKey: string, key: string): Json {
  const copy = structuredClone(request);
  let map: unknown = copy;
  for (const step of path) map = (map as Record<string | number, unknown>)[step];
  const entries = map as Json;
  const value = entries[oldKey];
  delete entries[oldKey];
  entries[key] = value;
  return copy;
}

const lengthBelow = (min: number): string => `Member must have length greater than or equal to ${min}`;
const lengthAbove = (max: number): string => `Member must have length less than or equal to ${max}`;
const valueBelow = (min: number): string => `Member must have value greater than or equal to ${min}`;
const valueAbove = (max: number): string => `Member must have value less than or equal to ${max}`;

class Walker {
  readonly cases: BoundaryCase[] = [];

  constructor(
    private readonly model: ConnectModel,
    private readonly base: Json,
  ) {}

  private shape(name: string): ModelShape {
    const shape = this.model.shapes[name];
    if (shape === undefined) throw new Error(`the model has no shape ${name}`);
    for (const key of Object.keys(shape)) {
      if (!DESCRIPTIVE.has(key) && !HANDLED.has(key)) {
        throw new Error(`shape ${name} has '${key}', which the boundary walker does not check yet: teach it, so no constraint goes untested`);
      }
    }
    return shape;
  }

  private add(path: RequestPath, constraint: string, label: string, value: unknown, request: Json, expect: Expectation, inUri: boolean): void {
    const field = fieldName(path);
    this.cases.push({ name: `${field || '(request)'}: ${label}`, constraint: `${field}: ${constraint}`, field, value, inUri, request, expect });
  }

  /** Walks the value at `path` (of shape `shapeName`); `seen` holds the structures above it, to stop at recursion. */
  walk(shapeName: string, path: RequestPath, value: unknown, seen: ReadonlySet<string>, inUri = false): void {
    const shape = this.shape(shapeName);
    const field = fieldName(path);
    switch (shape.type) {
      case 'structure':
        return this.structure(shapeName, shape, path, value, seen);
      case 'list':
        return this.list(shape, path, value, seen);
      case 'map':
        return this.map(shapeName, shape, path, value, seen);
      case 'string':
        if (typeof value !== 'string') throw new Error(`the base request's ${field} is not a string`);
        return this.string(shape, path, value, inUri);
      case 'timestamp':
        if (!(value instanceof Date)) throw new Error(`the base request's ${field} is not a Date`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') throw new Error(`the base request's ${field} is not a boolean`);
        return;
      case 'integer':
      case 'long':
        if (typeof value !== 'number') throw new Error(`the base request's ${field} is not a number`);
        return this.integer(shape, path);
      default:
        throw new Error(`shape ${shapeName} is a ${shape.type}, which the boundary walker does not handle yet`);
    }
  }

  private structure(name: string, shape: ModelShape, path: RequestPath, value: unknown, seen: ReadonlySet<string>): void {
    if (seen.has(name)) return;
    if (!isObject(value)) throw new Error(`the base request's ${fieldName(path) || 'input'} is not an object`);
    const required = new Set(shape.required ?? []);
    for (const [member, ref] of Object.entries(shape.members ?? {})) {
      const memberPath = [...path, member];
      const inUri = ref.location === 'uri';
      // A union holds exactly one member: the base request's one is walked, the others cannot be set beside it.
      if (shape.union === true) {
        if (Object.keys(value).length !== 1) throw new Error(`the base request's union ${fieldName(path)} must have exactly one member set`);
        if (value[member] !== undefined) this.walk(ref.shape, memberPath, value[member], new Set([...seen, name]), inUri);
        continue;
      }
      if (value[member] === undefined) {
        throw new Error(`the base request has no ${fieldName(memberPath)}: give it one, so its constraints are checked`);
      }
      if (required.has(member)) {
        const says = `Value null at '${fieldName(memberPath)}' failed to satisfy constraint: Member must not be null`;
        this.add(memberPath, 'required', 'left out (required)', undefined, withValue(this.base, memberPath, undefined), { kind: 'refused', says }, inUri);
      } else {
        this.add(memberPath, 'optional', 'left out (optional)', undefined, withValue(this.base, memberPath, undefined), { kind: 'accepted' }, inUri);
      }
      this.walk(ref.shape, memberPath, value[member], new Set([...seen, name]), inUri);
    }
  }

  private list(shape: ModelShape, path: RequestPath, value: unknown, seen: ReadonlySet<string>): void {
    if (!Array.isArray(value) || value.length === 0) throw new Error(`the base request's ${fieldName(path)} must be a list with an item`);
    const item: unknown = value[0];
    const copies = (n: number): unknown[] => Array.from({ length: n }, () => structuredClone(item));
    const at = (n: number): Json => withValue(this.base, path, copies(n));
    const refused = (says: string): Expectation => ({ kind: 'refused', says: `Value at '${fieldName(path)}' failed to satisfy constraint: ${says}` });
    if (shape.min !== undefined) {
      this.add(path, `min length ${shape.min}`, `${shape.min} items (min ${shape.min})`, copies(shape.min), at(shape.min), { kind: 'accepted' }, false);
      if (shape.min > 0)
        this.add(path, `min length ${shape.min}`, `${shape.min - 1} items (min ${shape.min})`, copies(shape.min - 1), at(shape.min - 1), refused(lengthBelow(shape.min)), false);
    }
    if (shape.max !== undefined) {
      this.add(path, `max length ${shape.max}`, `${shape.max} items (max ${shape.max})`, copies(shape.max), at(shape.max), { kind: 'accepted' }, false);
      this.add(path, `max length ${shape.max}`, `${shape.max + 1} items (max ${shape.max})`, copies(shape.max + 1), at(shape.max + 1), refused(lengthAbove(shape.max)), false);
    }
    if (shape.member === undefined) throw new Error(`list at ${fieldName(path)} has no member shape`);
    this.walk(shape.member.shape, [...path, 0], item, seen);
  }

  private map(name: string, shape: ModelShape, path: RequestPath, value: unknown, seen: ReadonlySet<string>): void {
    if (shape.min !== undefined || shape.max !== undefined) throw new Error(`map ${name} has a size limit, which the boundary walker does not check yet`);
    if (!isObject(value) || Object.keys(value).length !== 1) throw new Error(`the base request's ${fieldName(path)} must be a map with exactly one entry`);
    const [key, entry] = Object.entries(value)[0] as [string, unknown];
    if (shape.key === undefined || shape.value === undefined) throw new Error(`map ${name} has no key or value shape`);
    const keyShape = this.shape(shape.key.shape);
    if (keyShape.enum !== undefined) throw new Error(`map ${name} has enum keys, which the boundary walker does not check yet`);
    const field = fieldName(path);
    const refusedKey = (newKey: string, says: string): Expectation => ({
      kind: 'refused',
      says: `Value '${newKey}' at '${field}' failed to satisfy constraint: Map keys must satisfy constraint: [${says}]`,
    });
    const keyCase = (length: number, bound: string, says: string | undefined): void => {
      const newKey = fit(key, length, keyShape.pattern);
      const expect: Expectation = says !== undefined ? refusedKey(newKey, says) : patternExpectation(keyShape.pattern, newKey, { kind: 'accepted' }, (p) => refusedKey(newKey, p));
      this.add(path, `key ${bound}`, `key of length ${length} (${bound})`, newKey, withKey(this.base, path, key, newKey), expect, false);
    };
    if (keyShape.pattern !== undefined) {
      this.add(path, 'key pattern', `key '${key}' (matches ${keyShape.pattern})`, key, withKey(this.base, path, key, key), { kind: 'accepted' }, false);
      const broken = PATTERN_BREAKERS.map((c) => key + c).find((k) => !matches(keyShape.pattern, k));
      if (broken !== undefined) {
        this.add(
          path,
          'key pattern',
          `key '${broken}' (outside ${keyShape.pattern})`,
          broken,
          withKey(this.base, path, key, broken),
          refusedKey(broken, patternSays(keyShape.pattern)),
          false,
        );
      }
    }
    if (keyShape.min !== undefined) {
      keyCase(keyShape.min, `min length ${keyShape.min}`, undefined);
      if (keyShape.min > 0) keyCase(keyShape.min - 1, `min length ${keyShape.min}`, lengthBelow(keyShape.min));
    }
    if (keyShape.max !== undefined) {
      keyCase(keyShape.max, `max length ${keyShape.max}`, undefined);
      keyCase(keyShape.max + 1, `max length ${keyShape.max}`, lengthAbove(keyShape.max));
    }
    this.walk(shape.value.shape, [...path, key], entry, seen);
  }

  private string(shape: ModelShape, path: RequestPath, base: string, inUri: boolean): void {
    const field = fieldName(path);
    const refused = (says: string): Expectation => ({ kind: 'refused', says: `Value at '${field}' failed to satisfy constraint: ${says}` });
    const lengthCase = (length: number, bound: string, expect: Expectation): void => {
      const value = fit(base, length, shape.pattern);
      // A length the model allows may still break the pattern (an empty value for `[...]+`).
      const expected = expect.kind === 'accepted' ? patternExpectation(shape.pattern, value, expect, refused) : expect;
      this.add(path, bound, `length ${length} (${bound.replace(' length', '')})`, value, withValue(this.base, path, value), expected, inUri);
    };
    if (shape.pattern !== undefined) {
      if (!matches(shape.pattern, base)) throw new Error(`the base request's ${field} does not match its pattern ${shape.pattern}`);
      this.add(path, 'pattern', `'${base.slice(0, 40)}' (matches ${shape.pattern})`, base, withValue(this.base, path, base), { kind: 'accepted' }, inUri);
      // The breaking character replaces the last one, so the length stays inside its bounds.
      const broken = PATTERN_BREAKERS.map((c) => (base.length > 0 ? base.slice(0, -1) : '') + c).find((v) => !matches(shape.pattern, v));
      if (broken !== undefined)
        this.add(path, 'pattern', `'${broken.slice(0, 40)}' (outside ${shape.pattern})`, broken, withValue(this.base, path, broken), refused(patternSays(shape.pattern)), inUri);
    }
    if (shape.min !== undefined) {
      lengthCase(shape.min, `min length ${shape.min}`, { kind: 'accepted' });
      if (shape.min > 0) lengthCase(shape.min - 1, `min length ${shape.min}`, refused(lengthBelow(shape.min)));
    }
    if (shape.max !== undefined) {
      lengthCase(shape.max, `max length ${shape.max}`, { kind: 'accepted' });
      lengthCase(shape.max + 1, `max length ${shape.max}`, refused(lengthAbove(shape.max)));
    }
    if (shape.enum !== undefined) {
      for (const value of shape.enum) this.add(path, 'enum', `${value} (in the enum)`, value, withValue(this.base, path, value), { kind: 'accepted' }, inUri);
      const says = `Member must satisfy enum value set: [${shape.enum.join(', ')}]`;
      this.add(path, 'enum', `${NOT_IN_ENUM} (outside the enum)`, NOT_IN_ENUM, withValue(this.base, path, NOT_IN_ENUM), refused(says), inUri);
    }
  }

  private integer(shape: ModelShape, path: RequestPath): void {
    const field = fieldName(path);
    const refused = (says: string): Expectation => ({ kind: 'refused', says: `Value at '${field}' failed to satisfy constraint: ${says}` });
    const valueCase = (value: number, bound: string, expect: Expectation): void =>
      this.add(path, bound, `${value} (${bound})`, value, withValue(this.base, path, value), expect, false);
    if (shape.min !== undefined) {
      valueCase(shape.min, `min ${shape.min}`, { kind: 'accepted' });
      valueCase(shape.min - 1, `min ${shape.min}`, refused(valueBelow(shape.min)));
    }
    if (shape.max !== undefined) {
      valueCase(shape.max, `max ${shape.max}`, { kind: 'accepted' });
      valueCase(shape.max + 1, `max ${shape.max}`, refused(valueAbove(shape.max)));
    }
  }
}

/**
 * Every boundary case of `operation`'s input. `base` must be a full request the service
 * accepts, with every member of every structure set (the walk throws otherwise) and one
 * entry in each list and map; recursive structures are walked once.
 */
export function boundaryCases(model: ConnectModel, operation: string, base: object): BoundaryCase[] {
  const input = model.operations[operation]?.input;
  if (input === undefined) throw new Error(`the model has no operation ${operation} with an input`);
  const request = structuredClone(base) as Json;
  const walker = new Walker(model, request);
  walker.walk(input.shape, [], request, new Set());
  return walker.cases;
}
