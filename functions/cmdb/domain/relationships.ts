import {
  type ForwardRelationshipType,
  forwardTypeOf,
  isForwardType,
  type RelationshipType,
  RelationshipTypeSchema,
} from '../../../shared/domain/ci-relationships';
import { type FieldIssue, ValidationError } from '../../../shared/errors';
import * as z from '../../../shared/zod';
import type { CiClass } from './classes';
import type { ConfigurationItem } from './model';

export * from '../../../shared/domain/ci-relationships';
export const CiRelationshipSchema = z.object({
  source: z.string().check(z.minLength(1)),
  type: RelationshipTypeSchema,
  target: z.string().check(z.minLength(1)),
});
export type CiRelationship = z.infer<typeof CiRelationshipSchema>;
export type CanonicalRelationship = CiRelationship & { type: ForwardRelationshipType };

/** The same fact in its forward form: `B used_by A` becomes `A depends_on B`. */
export function canonicalRelationship(relationship: CiRelationship): CanonicalRelationship {
  const { source, type, target } = relationship;
  return isForwardType(type)
    ? { source, type, target }
    : { source: target, type: forwardTypeOf(type), target: source };
}

/** Equal for both forms of one fact, so that it is stored (and deduplicated) once. */
export function relationshipKey(relationship: CiRelationship): string {
  const { source, type, target } = canonicalRelationship(relationship);
  return JSON.stringify([source, type, target]);
}

/**
 * The classes the forward target must have; types not listed relate any classes. Only where a
 * wrong class is certainly a modelling error: software runs on compute, members join a cluster,
 * what is provided is a service.
 */
export const TARGET_CLASS_CONSTRAINTS: Readonly<
  Partial<Record<ForwardRelationshipType, readonly CiClass[]>>
> = {
  runs_on: ['server', 'container', 'cloud_resource', 'cluster'],
  hosted_on: ['server', 'cloud_resource', 'cluster'],
  member_of: ['cluster'],
  provides: ['service'],
};

export type RelationshipEnd = Pick<ConfigurationItem, 'id' | 'ciClass' | 'lifecycleState'>;

function orList(items: readonly string[]): string {
  return items.length <= 1
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/**
 * Checks a relationship a person asks for, in either form. Issues name `source`, `type` or
 * `target`: a class mismatch is blamed on `target` when the given target has the wrong class,
 * and on `type` when the given source has (the inverse form puts the constrained end first).
 * Duplicates are the repository's to detect, with `relationshipKey`.
 */
export function validateRelationship(
  source: RelationshipEnd,
  type: RelationshipType,
  target: RelationshipEnd,
): void {
  const issues: FieldIssue[] = [];
  if (source.id === target.id) {
    issues.push({ field: 'target', message: 'a CI cannot be related to itself' });
  }
  if (source.lifecycleState === 'retired') {
    issues.push({ field: 'source', message: 'is retired and takes no new relationships' });
  }
  if (target.lifecycleState === 'retired') {
    issues.push({ field: 'target', message: 'is retired and takes no new relationships' });
  }
  const forward = isForwardType(type);
  const constrained = forward ? target : source;
  const allowed = TARGET_CLASS_CONSTRAINTS[forwardTypeOf(type)];
  if (allowed && !allowed.includes(constrained.ciClass)) {
    const expected = `a ${orList(allowed)}, not a ${constrained.ciClass}`;
    issues.push(
      forward
        ? { field: 'target', message: `must be ${expected}, as the target of ${type}` }
        : { field: 'type', message: `${type} needs this CI to be ${expected}` },
    );
  }
  if (issues.length > 0) throw new ValidationError(issues);
}
