import {
  ChangeModelSchema,
  ChangeOutcomeSchema,
  ChangeSnapshotSchema,
  ChangeStateSchema,
  ConflictSchema,
} from '../../shared/events/changes';
import {
  changesSomething,
  commentBody,
  cursor,
  page,
  pageSize,
  reference,
  text,
} from '../../shared/http/schemas';
import * as z from '../../shared/zod';
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
export const ChangeSchema = ChangeSnapshotSchema.check(z.meta({ id: 'Change' }));

/**
 * An instant, kept as toISOString writes it, so that instants compare as strings in keys.
 * (zod runs the overwrite after a failed format check too: invalid text is left as it is.)
 */
const instant = z.iso.datetime().check(
  z.overwrite((value) => {
    const time = Date.parse(value);
    return Number.isNaN(time) ? value : new Date(time).toISOString();
  }),
);

const cis = z
  .array(reference)
  .check(
    z.maxLength(MAX_AFFECTED_CIS),
    z.describe('Configuration item ids: existing CIs of the CMDB, none retired'),
  );
const incidents = z
  .array(reference)
  .check(z.maxLength(50), z.describe('Incident ids or numbers (INC0001001); stored as ids'));
const problems = z
  .array(reference)
  .check(z.maxLength(50), z.describe('Problem ids or numbers (PRB0001001); stored as ids'));
const plan = (description: string) => text(10000).check(z.describe(description));

const commonCreateFields = {
  shortDescription: text(160),
  description: z.optional(text(4000)),
  plannedStart: z.optional(instant),
  plannedEnd: z.optional(instant),
  affectedCis: z.optional(cis),
  assignmentGroup: z.optional(reference),
  assignee: z.optional(reference),
  linkedProblems: z.optional(problems),
  linkedIncidents: z.optional(incidents),
};

export const CreateChangeRequestSchema = z
  .discriminatedUnion('model', [
    z.strictObject({
      model: z.enum(['normal', 'emergency']),
      ...commonCreateFields,
      category: z.optional(text(80)),
      implementationPlan: z.optional(plan('How the change is carried out')),
      backoutPlan: z.optional(plan('How it is undone if it fails')),
      testPlan: z.optional(plan('How success is verified')),
    }),
    z.strictObject({
      model: z.literal('standard'),
      templateId: reference.check(z.describe('The active standard change template it follows')),
      ...commonCreateFields,
      shortDescription: z
        .optional(commonCreateFields.shortDescription)
        .check(z.describe("Defaults to the template's")),
    }),
  ])
  .check(
    z.meta({
      id: 'CreateChangeRequest',
      description:
        'A standard change takes its plans (and, unless given, its texts, category and CIs) from its template; a normal or emergency change brings its own.',
    }),
  );

export const PatchChangeRequestSchema = z
  .strictObject({
    shortDescription: z.optional(text(160)),
    description: z.optional(z.nullable(text(4000))),
    category: z.optional(z.nullable(text(80))),
    plannedStart: z.optional(z.nullable(instant)),
    plannedEnd: z.optional(z.nullable(instant)),
    implementationPlan: z.optional(z.nullable(plan('How the change is carried out'))),
    backoutPlan: z.optional(z.nullable(plan('How it is undone if it fails'))),
    testPlan: z.optional(z.nullable(plan('How success is verified'))),
    affectedCis: z.optional(cis),
    assignmentGroup: z.optional(z.nullable(reference)),
    assignee: z.optional(z.nullable(reference)),
    linkedProblems: z.optional(problems),
    linkedIncidents: z.optional(incidents),
  })
  .check(
    changesSomething,
    z.meta({
      id: 'PatchChangeRequest',
      description:
        'Fields to change; null clears an optional field, lists replace the whole list. From Authorize on the window, CIs and plans are fixed.',
    }),
  );

const comment = z
  .optional(commentBody)
  .check(z.describe('Kept as a work note with the transition'));

export const ChangeTransitionRequestSchema = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.literal('assess'), comment }),
    z.strictObject({
      action: z.literal('requestAuthorization'),
      overrideReason: z
        .optional(text(4000))
        .check(z.describe('Why an emergency change must go ahead in a blackout window')),
      comment,
    }),
    z.strictObject({
      action: z.enum(['approve', 'reject']).check(z.describe('The approval workflow decides: 403')),
      comment,
    }),
    z.strictObject({ action: z.literal('schedule'), comment }),
    z.strictObject({ action: z.literal('implement'), comment }),
    z.strictObject({
      action: z.literal('review'),
      outcome: ChangeOutcomeSchema,
      outcomeNotes: z
        .optional(text(4000))
        .check(z.describe('Required unless the outcome is successful')),
      comment,
    }),
    z.strictObject({ action: z.literal('close'), closeNotes: z.optional(text(4000)), comment }),
    z.strictObject({ action: z.literal('cancel'), reason: text(4000), comment }),
    z.strictObject({ action: z.literal('revertToNew'), comment }),
  ])
  .check(z.meta({ id: 'ChangeTransitionRequest' }));

export const ChangeCommentRequestSchema = z
  .strictObject({ body: commentBody })
  .check(z.meta({ id: 'ChangeCommentRequest', description: 'Changes are internal: a work note.' }));

export const ListChangesQuerySchema = z
  .strictObject({
    state: z.optional(ChangeStateSchema),
    model: z.optional(ChangeModelSchema),
    assignmentGroup: z.optional(reference),
    assignee: z.optional(reference),
    configurationItem: z.optional(reference).check(z.describe('Changes affecting this CI')),
    plannedFrom: z
      .optional(instant)
      .check(z.describe('Planned start at or after; ordered by planned start')),
    plannedTo: z
      .optional(instant)
      .check(z.describe('Planned start at or before; ordered by planned start')),
    createdFrom: z.optional(instant),
    createdTo: z.optional(instant),
    updatedFrom: z.optional(instant),
    updatedTo: z.optional(instant),
    limit: pageSize,
    cursor,
  })
  .check(z.meta({ id: 'ListChangesQuery' }));

export const CalendarQuerySchema = z
  .strictObject({
    from: instant,
    to: instant.check(z.describe(`At most ${MAX_CALENDAR_DAYS} days after from`)),
    limit: pageSize,
    cursor,
  })
  .check(z.meta({ id: 'ChangeCalendarQuery' }));

export const ChangeIdParamSchema = z.object({
  id: z
    .string()
    .check(z.minLength(1), z.maxLength(64), z.describe('The change id or its number (CHG0001001)')),
});

export const ChangeListSchema = page(ChangeSchema, 'ChangeList');

export const ChangeConflictsSchema = z
  .object({
    change: z.object({ id: z.string(), number: z.string(), state: ChangeStateSchema }),
    window: z.optional(z.object({ start: z.iso.datetime(), end: z.iso.datetime() })),
    conflicts: z.array(ConflictSchema),
    blocked: z
      .boolean()
      .check(
        z.describe(
          'A blackout window stands in the way of scheduling and no recorded override covers it',
        ),
      ),
    reasons: z.array(z.string()),
  })
  .check(z.meta({ id: 'ChangeConflicts' }));

export const CalendarSchema = page(
  z.object({ change: ChangeSchema, conflicts: z.array(ConflictSchema) }).check(
    z.meta({
      id: 'CalendarEntry',
    }),
  ),
  'ChangeCalendar',
);

export const TemplateSchema = ChangeTemplateSchema.check(z.meta({ id: 'ChangeTemplate' }));

const templateFields = {
  name: text(120),
  shortDescription: text(160),
  description: text(4000),
  category: text(80),
  implementationPlan: plan('The pre-approved procedure'),
  backoutPlan: plan('How it is undone if it fails'),
  testPlan: plan('How success is verified'),
  affectedCis: cis.check(
    z.describe('The CIs a change from the template affects unless it names its own'),
  ),
  active: z.boolean().check(z.describe('A retired template (false) makes no new changes')),
};

export const CreateTemplateRequestSchema = z
  .strictObject({
    ...templateFields,
    description: z.optional(templateFields.description),
    category: z.optional(templateFields.category),
    active: z.optional(templateFields.active),
  })
  .check(z.meta({ id: 'CreateChangeTemplateRequest' }));

export const PatchTemplateRequestSchema = z
  .strictObject({
    name: z.optional(templateFields.name),
    shortDescription: z.optional(templateFields.shortDescription),
    description: z.optional(z.nullable(templateFields.description)),
    category: z.optional(z.nullable(templateFields.category)),
    implementationPlan: z.optional(templateFields.implementationPlan),
    backoutPlan: z.optional(templateFields.backoutPlan),
    testPlan: z.optional(templateFields.testPlan),
    affectedCis: z.optional(templateFields.affectedCis),
    active: z.optional(templateFields.active),
  })
  .check(changesSomething, z.meta({ id: 'PatchChangeTemplateRequest' }));

export const ListTemplatesQuerySchema = z
  .strictObject({
    active: z.optional(
      z.pipe(
        z.enum(['true', 'false']),
        z.transform((value) => value === 'true'),
      ),
    ),
    limit: pageSize,
    cursor,
  })
  .check(z.meta({ id: 'ListChangeTemplatesQuery' }));

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
  .check(z.meta({ id: 'BlackoutWindow' }));

export const CreateBlackoutRequestSchema = z
  .strictObject({
    name: text(120),
    start: instant,
    end: instant,
    scope: BlackoutScopeSchema.check(z.describe('All CIs, or a list of CIs')),
  })
  .check(
    z.refine((blackout) => Date.parse(blackout.end) > Date.parse(blackout.start), {
      message: 'must end after it starts',
      path: ['end'],
    }),
    z.meta({ id: 'CreateBlackoutWindowRequest' }),
  );

export const ListBlackoutsQuerySchema = z
  .strictObject({
    from: z.optional(instant).check(z.describe('Windows ending after this; defaults to now')),
    to: z.optional(instant).check(z.describe('Windows starting before this')),
    limit: pageSize,
    cursor,
  })
  .check(z.meta({ id: 'ListBlackoutWindowsQuery' }));

export const BlackoutListSchema = page(BlackoutWindowSchema, 'BlackoutWindowList');

export const ResourceIdParamSchema = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(64)),
});

const changeKey = z
  .string()
  .check(z.minLength(1), z.maxLength(64), z.describe('A change id or number (CHG0001001)'));
const releaseChanges = z.array(changeKey).check(z.maxLength(MAX_RELEASE_CHANGES));

export const CreateReleaseRequestSchema = z
  .strictObject({
    name: text(120),
    description: z.optional(text(4000)),
    targetStart: instant,
    targetEnd: instant,
    changes: z.optional(releaseChanges).check(z.describe('The changes it groups, by id or number')),
  })
  .check(
    z.refine((release) => Date.parse(release.targetEnd) > Date.parse(release.targetStart), {
      message: 'must end after it starts',
      path: ['targetEnd'],
    }),
    z.meta({ id: 'CreateReleaseRequest' }),
  );

export const PatchReleaseRequestSchema = z
  .strictObject({
    name: z.optional(text(120)),
    description: z.optional(z.nullable(text(4000))),
    targetStart: z.optional(instant),
    targetEnd: z.optional(instant),
  })
  .check(
    changesSomething,
    z.meta({
      id: 'PatchReleaseRequest',
      description: 'Fields to change; null clears the description.',
    }),
  );

export const ReleaseChangesRequestSchema = z
  .strictObject({ changes: releaseChanges.check(z.minLength(1)) })
  .check(z.meta({ id: 'ReleaseChangesRequest', description: 'Changes to add, by id or number' }));

export const ReleaseIdParamSchema = z.object({
  id: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(64),
      z.describe('The release id or its number (RLS0001001)'),
    ),
});

export const ReleaseChangeParamSchema = z.extend(ReleaseIdParamSchema, { changeId: changeKey });

const ReleaseMemberSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    state: ChangeStateSchema,
    outcome: z.optional(ChangeOutcomeSchema),
    plannedStart: z.optional(z.iso.datetime()),
    plannedEnd: z.optional(z.iso.datetime()),
  })
  .check(z.meta({ id: 'ReleaseMember' }));

export const ReleaseViewSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    name: z.string(),
    description: z.optional(z.string()),
    targetStart: z.iso.datetime(),
    targetEnd: z.iso.datetime(),
    changeIds: z.array(z.string()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.int(),
    status: z.object({
      state: z
        .enum(ReleaseStates)
        .check(
          z.describe(
            'Derived from the changes: needs-attention, canceled, deployed, in-progress or planned (the first that applies)',
          ),
        ),
      reasons: z.array(z.string()),
      outsideTargetWindow: z
        .array(z.string())
        .check(z.describe('Changes planned outside the target window (ids)')),
      missing: z.array(z.string()).check(z.describe('Listed change ids that no longer resolve')),
    }),
    changes: z.array(ReleaseMemberSchema).check(z.describe('The listed changes as they stand now')),
  })
  .check(z.meta({ id: 'Release' }));

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
      .array(z.string().check(z.minLength(1), z.maxLength(2048)))
      .check(
        z.minLength(1),
        z.maxLength(50),
        z.describe(
          'What the deployment touches: CI ids, or ARNs of AWS resources the CMDB imported',
        ),
      ),
    window: z.strictObject({ start: instant, end: instant }).check(
      z.refine((window) => Date.parse(window.end) > Date.parse(window.start), {
        message: 'must end after it starts',
        path: ['end'],
      }),
      z.describe('When the deployment runs'),
    ),
    change: z
      .optional(changeKey)
      .check(z.describe('The change the deployment is made under; any covering change otherwise')),
  })
  .check(z.meta({ id: 'GateRequest' }));

export const GateDecisionSchema = z
  .object({
    decision: z.enum(['allow', 'deny']),
    reasons: z
      .array(z.object({ code: z.enum(GATE_REASON_CODES), message: z.string() }))
      .check(z.describe('The coverage when allowed, every refusal when denied')),
    warnings: z.array(z.string()),
    coveredBy: z.array(z.object({ ci: z.string(), changeId: z.string(), number: z.string() })),
    targets: z
      .array(z.object({ target: z.string(), ci: z.optional(z.string()) }))
      .check(
        z.describe('Each target with the CI it resolved to; none when the CMDB does not know it'),
      ),
    window: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  })
  .check(z.meta({ id: 'GateDecision' }));
