// Console roles, ordered: each role may do everything the ones before it may. A viewer looks,
// an operator may also act on the pipeline (replay, discard), an admin may also manage users
// and read the audit log.
export const ROLES = ['viewer', 'operator', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `actual` is at least `required`; an unknown role grants nothing. */
export function hasRole(actual: unknown, required: Role): boolean {
  return isRole(actual) && ROLES.indexOf(actual) >= ROLES.indexOf(required);
}
