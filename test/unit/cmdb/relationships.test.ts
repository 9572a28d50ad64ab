import { describe, expect, it } from 'vitest';
import {
  type CiClass,
  CiClasses,
  canonicalRelationship,
  failurePropagation,
  forwardTypeOf,
  inverseOf,
  isForwardType,
  type LifecycleState,
  RELATIONSHIP_PAIRS,
  type RelationshipEnd,
  type RelationshipType,
  RelationshipTypeSchema,
  RelationshipTypes,
  relationshipKey,
  relationshipLabel,
  validateRelationship,
} from '../../../functions/cmdb/domain';
import { validationIssues } from '../incident/fixtures';

// The pairs of itsm-reference.md, written out rather than read from the implementation.
const REFERENCE_PAIRS: [string, string][] = [
  ['Depends on', 'Used by'],
  ['Runs on', 'Runs'],
  ['Hosted on', 'Hosts'],
  ['Contains', 'Contained by'],
  ['Connects to', 'Connected by'],
  ['Member of', 'Members'],
  ['Provides', 'Provided by'],
  ['Managed by', 'Manages'],
  ['Replicates to', 'Replicated by'],
];

const PROPAGATION: Record<RelationshipType, ReturnType<typeof failurePropagation>> = {
  depends_on: 'target-to-source',
  used_by: 'source-to-target',
  runs_on: 'target-to-source',
  runs: 'source-to-target',
  hosted_on: 'target-to-source',
  hosts: 'source-to-target',
  contains: 'source-to-target',
  contained_by: 'target-to-source',
  connects_to: 'target-to-source',
  connected_by: 'source-to-target',
  member_of: 'source-to-target',
  members: 'target-to-source',
  provides: 'source-to-target',
  provided_by: 'target-to-source',
  managed_by: 'none',
  manages: 'none',
  replicates_to: 'none',
  replicated_by: 'none',
};

describe('relationship types', () => {
  it('are exactly the pairs of the reference, with stable machine names', () => {
    expect(
      RELATIONSHIP_PAIRS.map((pair) => [
        relationshipLabel(pair.type),
        relationshipLabel(pair.inverse),
      ]),
    ).toEqual(REFERENCE_PAIRS);
    const machineName = (label: string) => label.toLowerCase().replaceAll(' ', '_');
    expect(RelationshipTypes).toEqual(REFERENCE_PAIRS.flat().map(machineName));
  });

  it.each(RelationshipTypes)('%s is the inverse of its inverse, in another direction', (type) => {
    expect(inverseOf(inverseOf(type))).toBe(type);
    expect(inverseOf(type)).not.toBe(type);
    expect(isForwardType(type)).toBe(!isForwardType(inverseOf(type)));
    expect(forwardTypeOf(type)).toBe(isForwardType(type) ? type : inverseOf(type));
  });

  it.each(Object.entries(PROPAGATION))('%s propagates failure %s', (type, propagation) => {
    expect(failurePropagation(type as RelationshipType)).toBe(propagation);
  });

  it('refuses a type outside the catalog', () => {
    expect(RelationshipTypeSchema.safeParse('depends-on').success).toBe(false);
    expect(() => inverseOf('depends-on' as RelationshipType)).toThrow(RangeError);
  });
});

describe('canonicalRelationship and relationshipKey', () => {
  it('turns the inverse form into the forward form and leaves the forward form alone', () => {
    const forward = { source: 'app', type: 'runs_on' as const, target: 'host' };
    expect(canonicalRelationship({ source: 'host', type: 'runs', target: 'app' })).toEqual(forward);
    expect(canonicalRelationship(forward)).toEqual(forward);
  });

  it('gives both forms of a fact one key, and different facts different keys', () => {
    expect(relationshipKey({ source: 'a', type: 'depends_on', target: 'b' })).toBe(
      relationshipKey({ source: 'b', type: 'used_by', target: 'a' }),
    );
    expect(relationshipKey({ source: 'a', type: 'depends_on', target: 'b' })).not.toBe(
      relationshipKey({ source: 'b', type: 'depends_on', target: 'a' }),
    );
    expect(relationshipKey({ source: 'a|b', type: 'contains', target: 'c' })).not.toBe(
      relationshipKey({ source: 'a', type: 'contains', target: 'b|c' }),
    );
  });
});

const end = (
  id: string,
  ciClass: CiClass,
  lifecycleState: LifecycleState = 'operational',
): RelationshipEnd => ({ id, ciClass, lifecycleState });

describe('validateRelationship', () => {
  it('accepts an ordinary relationship in either form', () => {
    expect(() =>
      validateRelationship(end('app', 'application'), 'runs_on', end('host', 'server')),
    ).not.toThrow();
    expect(() =>
      validateRelationship(end('host', 'server'), 'runs', end('app', 'application')),
    ).not.toThrow();
  });

  it('refuses to relate a CI to itself', () => {
    expect(
      validationIssues(() =>
        validateRelationship(end('a', 'application'), 'depends_on', end('a', 'application')),
      ),
    ).toEqual([{ field: 'target', message: 'a CI cannot be related to itself' }]);
  });

  it('refuses new relationships for retired CIs, naming each', () => {
    const issues = validationIssues(() =>
      validateRelationship(
        end('a', 'application', 'retired'),
        'depends_on',
        end('b', 'database', 'retired'),
      ),
    );
    expect(issues.map((issue) => issue.field)).toEqual(['source', 'target']);
  });

  it.each<[RelationshipType, CiClass[]]>([
    ['runs_on', ['server', 'container', 'cloud_resource', 'cluster']],
    ['hosted_on', ['server', 'cloud_resource', 'cluster']],
    ['member_of', ['cluster']],
    ['provides', ['service']],
  ])('requires the target of %s to be one of %j', (type, allowed) => {
    for (const targetClass of CiClasses) {
      const attempt = () =>
        validateRelationship(end('a', 'application'), type, end('b', targetClass));
      if (allowed.includes(targetClass)) {
        expect(attempt).not.toThrow();
      } else {
        expect(validationIssues(attempt)).toEqual([
          {
            field: 'target',
            message: expect.stringContaining(`, not a ${targetClass}, as the target of ${type}`),
          },
        ]);
      }
    }
  });

  it('in the inverse form, blames the type when the CI itself has the wrong class', () => {
    expect(
      validationIssues(() =>
        validateRelationship(end('db', 'database'), 'runs', end('app', 'application')),
      ),
    ).toEqual([
      {
        field: 'type',
        message:
          'runs needs this CI to be a server, container, cloud_resource or cluster, not a database',
      },
    ]);
  });

  it.each(['depends_on', 'contains', 'connects_to', 'managed_by', 'replicates_to'] as const)(
    'relates any classes with %s',
    (type) => {
      for (const sourceClass of CiClasses) {
        for (const targetClass of CiClasses) {
          expect(() =>
            validateRelationship(end('a', sourceClass), type, end('b', targetClass)),
          ).not.toThrow();
        }
      }
    },
  );
});
