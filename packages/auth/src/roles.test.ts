import { describe, expect, it } from 'vitest';
import { hasRole, isRole } from './roles.ts';

describe('hasRole', () => {
  it('orders viewer < operator < admin', () => {
    expect(hasRole('viewer', 'viewer')).toBe(true);
    expect(hasRole('viewer', 'operator')).toBe(false);
    expect(hasRole('operator', 'viewer')).toBe(true);
    expect(hasRole('operator', 'admin')).toBe(false);
    expect(hasRole('admin', 'operator')).toBe(true);
  });

  it('grants nothing to an unknown or missing role', () => {
    expect(hasRole('root', 'viewer')).toBe(false);
    expect(hasRole(undefined, 'viewer')).toBe(false);
    expect(isRole('Admin')).toBe(false);
  });
});
