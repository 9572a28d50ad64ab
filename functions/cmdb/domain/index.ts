/**
 * The CMDB domain: pure functions and zod schemas, no I/O.
 *
 * - classes.ts: `CI_CLASSES` (class -> label, kind, attribute schema),
 *   `validateCiAttributes(ciClass, attributes)` (throws ValidationError, fields
 *   `attributes.<name>`) and `ciAttributeIssues` (the same issues, returned).
 * - model.ts: `ConfigurationItemSchema` (checks attributes by class), criticality 1..4,
 *   environments, lifecycle states with `allowedLifecycleTransitions(from)` and
 *   `assertLifecycleTransition(from, to)` (InvalidTransitionError), `ciFingerprint(ci)`.
 * - relationships.ts: `RELATIONSHIP_PAIRS` (forward/inverse types, labels, how failure
 *   travels), `inverseOf`, `failurePropagation`, `canonicalRelationship` (the forward form
 *   to store), `relationshipKey` (one key for both forms) and
 *   `validateRelationship(source, type, target)` (ValidationError).
 * - impact.ts: `buildImpactGraph(cis, relationships, groups)` once, then
 *   `computeImpact(graph, failedCiId, { maxDepth, alsoDown })` per request: impacted CIs and
 *   services in (depth, name, id) order, each with its shortest path, and `truncated`.
 *   `redundancyGroupsFrom(cis, relationships)` derives the groups from `cluster` CIs.
 * - aws-config.ts: `fromAwsConfigItem(document)` -> `{ ci, relationships, capturedAt,
 *   defaultedFields, warnings }` for an AWS Config configuration item (CI ids from
 *   `awsResourceCiId`, shared/domain/ids.ts, which the change gate uses too);
 *   `mappedAwsResourceTypes()`, the types with a class of their own.
 */
export * from './aws-config';
export * from './classes';
export * from './impact';
export * from './model';
export * from './relationships';
