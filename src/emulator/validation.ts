import type { z } from 'zod';
import { ConnectError, type ErrorName } from './errors';

/**
 * Answers a request that fails a schema the way AWS's front end does: one
 * InvalidRequestException listing every violation, each naming its field in AWS's words.
 * The schemas are in model-schemas.ts (the service model) and chat-rules.ts (the docs).
 */

/** AWS names list members `List.N.member` (1-based). */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `${p + 1}.member` : String(p))).join('.');
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function constraint(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'number'
        ? `Member must have value less than or equal to ${String(issue.maximum)}`
        : `Member must have length less than or equal to ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'number'
        ? `Member must have value greater than or equal to ${String(issue.minimum)}`
        : `Member must have length greater than or equal to ${String(issue.minimum)}`;
    case 'invalid_value':
      return `Member must satisfy enum value set: [${issue.values.map(String).join(', ')}]`;
    case 'invalid_format':
      // Our own messages start with "Member"; zod's generic ones are replaced by AWS's wording.
      if (issue.message.startsWith('Member ')) return issue.message;
      return issue.format === 'regex' && 'pattern' in issue ? `Member must satisfy regular expression pattern: ${String(issue.pattern)}` : issue.message;
    case 'invalid_type':
      return issue.expected === 'int' ? 'Member must be an integer' : `Member must be of type ${issue.expected}`;
    case 'invalid_key':
      return `Map keys must satisfy constraint: [${issue.issues.map(constraint).join(', ')}]`;
    default:
      return issue.message;
  }
}

function describe(issue: z.core.$ZodIssue, data: unknown): string {
  if (issue.code === 'invalid_key') {
    const key = String(issue.path[issue.path.length - 1]);
    return `Value '${key}' at '${formatPath(issue.path.slice(0, -1))}' failed to satisfy constraint: ${constraint(issue)}`;
  }
  const field = formatPath(issue.path);
  // A member left out fails its type (or, for an enum, its value set): AWS calls either null.
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && valueAt(data, issue.path) === undefined) {
    return `Value null at '${field}' failed to satisfy constraint: Member must not be null`;
  }
  return `Value at '${field}' failed to satisfy constraint: ${constraint(issue)}`;
}

/**
 * Validates like AWS's front end: all violations in one error naming each field
 * (InvalidRequestException for Connect, ValidationException for Outbound Campaigns v2).
 */
export function parseRequest<T>(schema: z.ZodType<T>, data: unknown, errorName: ErrorName = 'InvalidRequestException'): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const count = `${issues.length} validation error${issues.length === 1 ? '' : 's'} detected`;
  throw new ConnectError(errorName, `${count}: ${issues.map((i) => describe(i, data)).join('; ')}`);
}
