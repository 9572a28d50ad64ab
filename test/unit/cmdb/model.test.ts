import { describe, expect, it } from 'vitest';
import {
  allowedLifecycleTransitions,
  assertLifecycleTransition,
  type ConfigurationItem,
  ConfigurationItemSchema,
  ciFingerprint,
  type LifecycleState,
  LifecycleStates,
} from '../../../functions/cmdb/domain';
import { InvalidTransitionError } from '../../../shared/errors';
import { thrownBy } from '../incident/fixtures';

// Written out rather than read from the implementation.
const ALLOWED: Record<LifecycleState, LifecycleState[]> = {
  planned: ['in_build', 'operational', 'retired'],
  in_build: ['planned', 'operational', 'retired'],
  operational: ['in_maintenance', 'retired'],
  in_maintenance: ['operational', 'retired'],
  retired: [],
};

function aServer(overrides: Partial<ConfigurationItem> = {}): ConfigurationItem {
  return {
    id: 'ci-1',
    ciClass: 'server',
    name: 'web-1',
    ownerGroup: 'web-team',
    criticality: 2,
    environment: 'production',
    lifecycleState: 'operational',
    attributes: { hostname: 'web-1.example.com', ipAddresses: ['10.0.0.1'], cpuCount: 4 },
    ...overrides,
  };
}

describe('lifecycle', () => {
  it.each(LifecycleStates)('from %s allows exactly the reference transitions', (from) => {
    expect([...allowedLifecycleTransitions(from)].sort()).toEqual([...ALLOWED[from]].sort());
    for (const to of LifecycleStates) {
      if (to === from || ALLOWED[from].includes(to)) {
        expect(() => assertLifecycleTransition(from, to)).not.toThrow();
      } else {
        const error = thrownBy(() => assertLifecycleTransition(from, to));
        expect(error).toBeInstanceOf(InvalidTransitionError);
        expect(error).toMatchObject({ action: to, state: from, allowedActions: ALLOWED[from] });
      }
    }
  });
});

describe('ConfigurationItemSchema', () => {
  it('accepts a valid CI', () => {
    expect(ConfigurationItemSchema.parse(aServer())).toEqual(aServer());
  });

  it('checks attributes against the class, naming the attribute', () => {
    const result = ConfigurationItemSchema.safeParse(
      aServer({ attributes: { hostname: 'not a host', engine: 'postgres' } }),
    );
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([
      'attributes.hostname',
      'attributes',
    ]);
    expect(result.error?.issues[1]).toMatchObject({ code: 'unrecognized_keys', keys: ['engine'] });
  });

  it.each([
    ['criticality', 5],
    ['criticality', 0],
    ['environment', 'prod'],
    ['lifecycleState', 'live'],
    ['ciClass', 'mainframe'],
    ['name', '  '],
  ])('refuses %s %j', (field, value) => {
    const result = ConfigurationItemSchema.safeParse({ ...aServer(), [field]: value });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([field]);
  });
});

describe('ciFingerprint', () => {
  it('is the same for the same CI, whatever the order of keys', () => {
    const reordered = Object.fromEntries(Object.entries(aServer()).reverse()) as ConfigurationItem;
    reordered.attributes = Object.fromEntries(Object.entries(aServer().attributes).reverse());
    expect(ciFingerprint(reordered)).toBe(ciFingerprint(aServer()));
    expect(ciFingerprint(aServer())).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, Partial<ConfigurationItem>]>([
    ['id', { id: 'ci-2' }],
    ['class', { ciClass: 'database', attributes: {} }],
    ['name', { name: 'web-2' }],
    ['owner group', { ownerGroup: 'ops' }],
    ['no owner group', { ownerGroup: undefined }],
    ['criticality', { criticality: 1 }],
    ['environment', { environment: 'test' }],
    ['lifecycle state', { lifecycleState: 'retired' }],
    ['an attribute', { attributes: { ...aServer().attributes, cpuCount: 8 } }],
    ['the order of an array attribute', { attributes: { ipAddresses: ['10.0.0.2', '10.0.0.1'] } }],
  ])('changes with the %s', (_field, change) => {
    const changed = { ...aServer(), ...change };
    expect(ciFingerprint(changed)).not.toBe(ciFingerprint(aServer()));
  });

  it('ignores bookkeeping a stored CI carries', () => {
    const stored = { ...aServer(), version: 7, updatedAt: '2025-03-01T00:00:00.000Z' };
    expect(ciFingerprint(stored)).toBe(ciFingerprint(aServer()));
  });
});
