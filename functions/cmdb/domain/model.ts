import { createHash } from 'node:crypto';
import { InvalidTransitionError } from '../../../shared/errors';
import * as z from '../../../shared/zod';
import { CI_CLASSES, CiClassSchema } from './classes';

/** 1 Critical .. 4 Low: how much the business suffers when the CI fails. */
export const CRITICALITY_LABELS = {
  1: 'critical',
  2: 'high',
  3: 'medium',
  4: 'low',
} as const;
export type Criticality = keyof typeof CRITICALITY_LABELS;
export const CriticalitySchema = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);

export const Environments = ['production', 'staging', 'test', 'development'] as const;
export const EnvironmentSchema = z.enum(Environments);
export type Environment = z.infer<typeof EnvironmentSchema>;

export const LifecycleStates = [
  'planned',
  'in_build',
  'operational',
  'in_maintenance',
  'retired',
] as const;
export const LifecycleStateSchema = z.enum(LifecycleStates);
export type LifecycleState = z.infer<typeof LifecycleStateSchema>;

/**
 * Where a CI may go from each state. A plan may be dropped (retired) or go live without a
 * build phase (bought or provisioned in one step); retired is final, a returning asset is a
 * new CI. These rules govern people's edits; an import reflects what the source observed.
 */
const LIFECYCLE_TRANSITIONS: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  planned: ['in_build', 'operational', 'retired'],
  in_build: ['planned', 'operational', 'retired'],
  operational: ['in_maintenance', 'retired'],
  in_maintenance: ['operational', 'retired'],
  retired: [],
};

export function allowedLifecycleTransitions(from: LifecycleState): readonly LifecycleState[] {
  return LIFECYCLE_TRANSITIONS[from];
}

/** Staying in the same state is not a transition and always passes. */
export function assertLifecycleTransition(from: LifecycleState, to: LifecycleState): void {
  if (from !== to && !LIFECYCLE_TRANSITIONS[from].includes(to)) {
    throw new InvalidTransitionError(to, from, LIFECYCLE_TRANSITIONS[from]);
  }
}

/**
 * A configuration item as the domain sees it: what it is, who owns it, how much it matters.
 * Bookkeeping (version, timestamps) belongs to the repository. `attributes` are validated
 * against the class (see CI_CLASSES), with issue paths `attributes.<name>`.
 */
export const ConfigurationItemSchema = z
  .object({
    id: z.string().check(z.minLength(1), z.maxLength(100)),
    ciClass: CiClassSchema,
    name: z.string().check(z.maxLength(255), z.regex(/\S/, { error: 'must not be blank' })),
    ownerGroup: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
    criticality: CriticalitySchema,
    environment: EnvironmentSchema,
    lifecycleState: LifecycleStateSchema,
    attributes: z.record(z.string(), z.unknown()),
  })
  .check(
    z.superRefine((ci, ctx) => {
      const result = CI_CLASSES[ci.ciClass].attributes.safeParse(ci.attributes);
      for (const issue of result.error?.issues ?? []) {
        ctx.addIssue({ ...issue, path: ['attributes', ...issue.path] });
      }
    }),
  );
export type ConfigurationItem = z.infer<typeof ConfigurationItemSchema>;

/** Objects with sorted keys, so equal values serialize identically whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) =>
    member && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );
}

/**
 * A stable hash of the fields that make a CI what it is (not its bookkeeping), so a repository
 * can skip writing a re-imported CI that has not changed. Key order does not matter; array
 * order does (an array is an ordered value).
 */
export function ciFingerprint(ci: ConfigurationItem): string {
  const significant = {
    id: ci.id,
    ciClass: ci.ciClass,
    name: ci.name,
    ownerGroup: ci.ownerGroup ?? null,
    criticality: ci.criticality,
    environment: ci.environment,
    lifecycleState: ci.lifecycleState,
    attributes: ci.attributes,
  } satisfies Record<keyof ConfigurationItem, unknown>;
  return createHash('sha256').update(canonicalJson(significant)).digest('hex');
}
