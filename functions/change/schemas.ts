import * as z from 'zod';
import {
  ChangeModelSchema,
  ChangeOutcomeSchema,
  ChangeSnapshotSchema,
  ChangeStateSchema,
  ConflictSchema,
} from '../../shared/events/changes';
import { commentBody, cursor, page, pageSize, reference, text } from '../../shared/http/schemas';
import {
  BlackoutScopeSchema,
  ChangeTemplateSchema,
  type GateReasonCode,
  ReleaseStates,
} from './domain';
import { MAX_AFFECTED_CIS, MAX_CALENDAR_DAYS, MAX_RELEASE_CHANGES } from './limits';

/**
 * The change API's request and response schemas: validation at the edge and the source of
 * the OpenAPI document. Request bodies are strict: an unknown or read-only field (number,
 * state, risk, approval, ...) is a 400 naming the field.
 */
export const ChangeSchema = ChangeSnapshotSchema.meta({ id: 'Change' });

/**
 * An instant, kept as toISOString writes it, so that instants compare as strings in keys.
 * (zod runs the overwrite after a failed format check too: invalid text is left as it is.)
 */
const instant = z.iso.datetime().overwrite((value) => {
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
});

const cis = z
  .array(reference)
  .max(MAX_AFFECTED_CIS)
  .describe('Configuration item ids: existing CIs of the CMDB, none retired');
const incidents = z
  .array(reference)
  .max(50)
  .describe('Incident ids or numbers (INC0001001); stored as ids');
const problems = z
  .array(reference)
  .max(50)
  .describe('Problem ids or numbers (PRB0001001); stored as ids');
const plan = (description: string) => text(10000).describe(description);

const commonCreateFields = {
  shortDescription: text(160),
  description: text(4000).optional(),
  plannedStart: instant.optional(),
  plannedEnd: instant.optional(),
  affectedCis: cis.optional(),
  assignmentGroup: reference.optional(),
  assignee: reference.optional(),
  linkedProblems: problems.optional(),
  linkedIncidents: incidents.optional(),
};

export const CreateChangeRequestSchema = z
  .discriminatedUnion('model', [
    z.strictObject({
      model: z.enum(['normal', 'emergency']),
      ...commonCreateFields,
      category: text(80).optional(),
      implementationPlan: plan('How the change is carried out').optional(),
      backoutPlan: plan('How it is undone if it fails').optional(),
      testPlan: plan('How success is verified').optional(),
    }),
    z.strictObject({
      model: z.literal('standard'),
      templateId: reference.describe('The active standard change template it follows'),
      ...commonCreateFields,
      shortDescription: commonCreateFields.shortDescription
        .optional()
        .describe("Defaults to the template's"),
    }),
  ])
  .meta({
    id: 'CreateChangeRequest',
    description:
      'A standard change takes its plans (and, unless given, its texts, category and CIs) from its template; a normal or emergency change brings its own.',
  });

export const PatchChangeRequestSchema = z
  .strictObject({
    shortDescription: text(160).optional(),
    description: text(4000).nullable().optional(),
    category: text(80).nullable().optional(),
    plannedStart: instant.nullable().optional(),
    plannedEnd: instant.nullable().optional(),
    implementationPlan: plan('How the change is carried out').nullable().optional(),
    backoutPlan: plan('How it is undone if it fails').nullable().optional(),
    testPlan: plan('How success is verified').nullable().optional(),
    affectedCis: cis.optional(),
    assignmentGroup: reference.nullable().optional(),
    assignee: reference.nullable().optional(),
    linkedProblems: problems.optional(),
    linkedIncidents: incidents.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'expected at least one field to change',
  })
  .meta({
    id: 'PatchChangeRequest',
    description:
      'Fields to change; null clears an optional field, lists replace the whole list. From Authorize on the window, CIs and plans are fixed.',
  });

const comment = commentBody.optional().describe('Kept as a work note with the transition');

export const ChangeTransitionRequestSchema = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.literal('assess'), comment }),
    z.strictObject({
      action: z.literal('requestAuthorization'),
      overrideReason: text(4000)
        .optional()
        .describe('Why an emergency change must go ahead in a blackout window'),
      comment,
    }),
    z.strictObject({
      action: z.enum(['approve', 'reject']).describe('The approval workflow decides: 403'),
      comment,
    }),
    z.strictObject({ action: z.literal('schedule'), comment }),
    z.strictObject({ action: z.literal('implement'), comment }),
    z.strictObject({
      action: z.literal('review'),
      outcome: ChangeOutcomeSchema,
      outcomeNotes: text(4000).optional().describe('Required unless the outcome is successful'),
      comment,
    }),
    z.strictObject({ action: z.literal('close'), closeNotes: text(4000).optional(), comment }),
    z.strictObject({ action: z.literal('cancel'), reason: text(4000), comment }),
    z.strictObject({ action: z.literal('revertToNew'), comment }),
  ])
  .meta({ id: 'ChangeTransitionRequest' });

export const ChangeCommentRequestSchema = z
  .strictObject({ body: commentBody })
  .meta({ id: 'ChangeCommentRequest', description: 'Changes are internal: a work note.' });

export const ListChangesQuerySchema = z
  .strictObject({
    state: ChangeStateSchema.optional(),
    model: ChangeModelSchema.optional(),
    assignmentGroup: reference.optional(),
    assignee: reference.optional(),
    configurationItem: reference.optional().describe('Changes affecting this CI'),
    plannedFrom: instant.optional().describe('Planned start at or after; ordered by planned start'),
    plannedTo: instant.optional().describe('Planned start at or before; ordered by planned start'),
    createdFrom: instant.optional(),
    createdTo: instant.optional(),
    updatedFrom: instant.optional(),
    updatedTo: instant.optional(),
    limit: pageSize,
    cursor,
  })
  .meta({ id: 'ListChangesQuery' });

export const CalendarQuerySchema = z
  .strictObject({
    from: instant,
    to: instant.describe(`At most ${MAX_CALENDAR_DAYS} days after from`),
    limit: pageSize,
    cursor,
  })
  .meta({ id: 'ChangeCalendarQuery' });

export const ChangeIdParamSchema = z.object({
  id: z.string().min(1).max(64).describe('The change id or its number (CHG0001001)'),
});

export const ChangeListSchema = page(ChangeSchema, 'ChangeList');

export const ChangeConflictsSchema = z
  .object({
    change: z.object({ id: z.string(), number: z.string(), state: ChangeStateSchema }),
    window: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }).optional(),
    conflicts: z.array(ConflictSchema),
    blocked: z
      .boolean()
      .describe(
        'A blackout window stands in the way of scheduling and no recorded override covers it',
      ),
    reasons: z.array(z.string()),
  })
  .meta({ id: 'ChangeConflicts' });

export const CalendarSchema = page(
  z.object({ change: ChangeSchema, conflicts: z.array(ConflictSchema) }).meta({
    id: 'CalendarEntry',
  }),
  'ChangeCalendar',
);

export const TemplateSchema = ChangeTemplateSchema.meta({ id: 'ChangeTemplate' });

const templateFields = {
  name: text(120),
  shortDescription: text(160),
  description: text(4000),
  category: text(80),
  implementationPlan: plan('The pre-approved procedure'),
  backoutPlan: plan('How it is undone if it fails'),
  testPlan: plan('How success is verified'),
  affectedCis: cis.describe('The CIs a change from the template affects unless it names its own'),
  active: z.boolean().describe('A retired template (false) makes no new changes'),
};

export const CreateTemplateRequestSchema = z
  .strictObject({
    ...templateFields,
    description: templateFields.description.optional(),
    category: templateFields.category.optional(),
    active: templateFields.active.optional(),
  })
  .meta({ id: 'CreateChangeTemplateRequest' });

export const PatchTemplateRequestSchema = z
  .strictObject({
    name: templateFields.name.optional(),
    shortDescription: templateFields.shortDescription.optional(),
    description: templateFields.description.nullable().optional(),
    category: templateFields.category.nullable().optional(),
    implementationPlan: templateFields.implementationPlan.optional(),
    backoutPlan: templateFields.backoutPlan.optional(),
    testPlan: templateFields.testPlan.optional(),
    affectedCis: templateFields.affectedCis.optional(),
    active: templateFields.active.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'expected at least one field to change',
  })
  .meta({ id: 'PatchChangeTemplateRequest' });

export const ListTemplatesQuerySchema = z
  .strictObject({
    active: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional(),
    limit: pageSize,
    cursor,
  })
  .meta({ id: 'ListChangeTemplatesQuery' });

export const TemplateListSchema = page(TemplateSchema, 'ChangeTemplateList');

export const BlackoutWindowSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    start: z.iso.datetime(),
    end: z.iso.datetime(),
    scope: BlackoutScopeSchema,
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'BlackoutWindow' });

export const CreateBlackoutRequestSchema = z
  .strictObject({
    name: text(120),
    start: instant,
    end: instant,
    scope: BlackoutScopeSchema.describe('All CIs, or a list of CIs'),
  })
  .refine((blackout) => Date.parse(blackout.end) > Date.parse(blackout.start), {
    message: 'must end after it starts',
    path: ['end'],
  })
  .meta({ id: 'CreateBlackoutWindowRequest' });

export const ListBlackoutsQuerySchema = z
  .strictObject({
    from: instant.optional().describe('Windows ending after this; defaults to now'),
    to: instant.optional().describe('Windows starting before this'),
    limit: pageSize,
    cursor,
  })
  .meta({ id: 'ListBlackoutWindowsQuery' });

export const BlackoutListSchema = page(BlackoutWindowSchema, 'BlackoutWindowList');

export const ResourceIdParamSchema = z.object({ id: z.string().min(1).max(64) });

const changeKey = z.string().min(1).max(64).describe('A change id or number (CHG0001001)');
const releaseChanges = z.array(changeKey).max(MAX_RELEASE_CHANGES);

export const CreateReleaseRequestSchema = z
  .strictObject({
    name: text(120),
    description: text(4000).optional(),
    targetStart: instant,
    targetEnd: instant,
    changes: releaseChanges.optional().describe('The changes it groups, by id or number'),
  })
  .refine((release) => Date.parse(release.targetEnd) > Date.parse(release.targetStart), {
    message: 'must end after it starts',
    path: ['targetEnd'],
  })
  .meta({ id: 'CreateReleaseRequest' });

export const PatchReleaseRequestSchema = z
  .strictObject({
    name: text(120).optional(),
    description: text(4000).nullable().optional(),
    targetStart: instant.optional(),
    targetEnd: instant.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'expected at least one field to change',
  })
  .meta({
    id: 'PatchReleaseRequest',
    description: 'Fields to change; null clears the description.',
  });

export const ReleaseChangesRequestSchema = z
  .strictObject({ changes: releaseChanges.min(1) })
  .meta({ id: 'ReleaseChangesRequest', description: 'Changes to add, by id or number' });

export const ReleaseIdParamSchema = z.object({
  id: z.string().min(1).max(64).describe('The release id or its number (RLS0001001)'),
});

export const ReleaseChangeParamSchema = ReleaseIdParamSchema.extend({ changeId: changeKey });

const ReleaseMemberSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    state: ChangeStateSchema,
    outcome: ChangeOutcomeSchema.optional(),
    plannedStart: z.iso.datetime().optional(),
    plannedEnd: z.iso.datetime().optional(),
  })
  .meta({ id: 'ReleaseMember' });

export const ReleaseViewSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    name: z.string(),
    description: z.string().optional(),
    targetStart: z.iso.datetime(),
    targetEnd: z.iso.datetime(),
    changeIds: z.array(z.string()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
    status: z.object({
      state: z
        .enum(ReleaseStates)
        .describe(
          'Derived from the changes: needs-attention, canceled, deployed, in-progress or planned (the first that applies)',
        ),
      reasons: z.array(z.string()),
      outsideTargetWindow: z
        .array(z.string())
        .describe('Changes planned outside the target window (ids)'),
      missing: z.array(z.string()).describe('Listed change ids that no longer resolve'),
    }),
    changes: z.array(ReleaseMemberSchema).describe('The listed changes as they stand now'),
  })
  .meta({ id: 'Release' });

export const ReleaseListSchema = page(ReleaseViewSchema, 'ReleaseList');

const GATE_REASON_CODES = [
  'covered',
  'no-approved-change',
  'unknown-resource',
  'blackout',
  'conflict',
] as const satisfies readonly GateReasonCode[];

export const GateRequestSchema = z
  .strictObject({
    targets: z
      .array(z.string().min(1).max(2048))
      .min(1)
      .max(50)
      .describe('What the deployment touches: CI ids, or ARNs of AWS resources the CMDB imported'),
    window: z
      .strictObject({ start: instant, end: instant })
      .refine((window) => Date.parse(window.end) > Date.parse(window.start), {
        message: 'must end after it starts',
        path: ['end'],
      })
      .describe('When the deployment runs'),
    change: changeKey
      .optional()
      .describe('The change the deployment is made under; any covering change otherwise'),
  })
  .meta({ id: 'GateRequest' });

export const GateDecisionSchema = z
  .object({
    decision: z.enum(['allow', 'deny']),
    reasons: z
      .array(z.object({ code: z.enum(GATE_REASON_CODES), message: z.string() }))
      .describe('The coverage when allowed, every refusal when denied'),
    warnings: z.array(z.string()),
    coveredBy: z.array(z.object({ ci: z.string(), changeId: z.string(), number: z.string() })),
    targets: z
      .array(z.object({ target: z.string(), ci: z.string().optional() }))
      .describe('Each target with the CI it resolved to; none when the CMDB does not know it'),
    window: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  })
  .meta({ id: 'GateDecision' });
