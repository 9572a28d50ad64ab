import { PrioritySchema } from '../../shared/events/incidents';
import {
  ProblemResolutionCodeSchema,
  ProblemSnapshotSchema,
  ProblemStateSchema,
} from '../../shared/events/problems';
import {
  changesSomething,
  commentBody,
  cursor,
  page,
  pageSize,
  reference,
  text,
  ticketCreateFields,
  ticketPatchFields,
} from '../../shared/http/schemas';
import * as z from '../../shared/zod';

/**
 * The problem API's request and response schemas: validation at the edge and the source of
 * the OpenAPI document. Request bodies are strict: an unknown or read-only field (priority,
 * number, state, linkedIncidentCount, ...) is a 400 naming the field.
 */
export const ProblemSchema = ProblemSnapshotSchema.check(z.meta({ id: 'Problem' }));

const knownErrorFields = {
  knownError: z
    .boolean()
    .check(z.describe('A known error documents its root cause and workaround')),
  rootCause: text(4000),
  workaround: text(4000),
};

export const CreateProblemRequestSchema = z
  .strictObject({
    ...ticketCreateFields,
    knownError: z.optional(knownErrorFields.knownError),
    rootCause: z.optional(knownErrorFields.rootCause),
    workaround: z.optional(knownErrorFields.workaround),
  })
  .check(z.meta({ id: 'CreateProblemRequest' }));

export const PatchProblemRequestSchema = z
  .strictObject({
    ...ticketPatchFields,
    knownError: z.optional(knownErrorFields.knownError),
    rootCause: z.optional(z.nullable(knownErrorFields.rootCause)),
    workaround: z.optional(z.nullable(knownErrorFields.workaround)),
  })
  .check(
    changesSomething,
    z.meta({
      id: 'PatchProblemRequest',
      description: 'Fields to change; null clears an optional field.',
    }),
  );

const comment = z
  .optional(commentBody)
  .check(z.describe('Kept as a work note with the transition'));

export const ProblemTransitionRequestSchema = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.literal('assess'), comment }),
    z.strictObject({ action: z.literal('analyse'), comment }),
    z.strictObject({ action: z.literal('fix'), rootCause: z.optional(text(4000)), comment }),
    z.strictObject({
      action: z.literal('resolve'),
      resolutionCode: ProblemResolutionCodeSchema,
      resolutionNotes: text(4000),
      comment,
    }),
    z.strictObject({ action: z.literal('close'), comment }),
    z.strictObject({ action: z.literal('reanalyse'), comment }),
    z.strictObject({
      action: z.literal('markDuplicate'),
      duplicateOf: reference.check(z.describe('The problem kept (id or number)')),
      comment,
    }),
    z.strictObject({ action: z.literal('cancel'), comment }),
  ])
  .check(z.meta({ id: 'ProblemTransitionRequest' }));

export const LinkIncidentsRequestSchema = z
  .strictObject({
    incidentIds: z
      .array(reference)
      .check(
        z.minLength(1),
        z.maxLength(50),
        z.describe('Incident ids or numbers; those already linked are skipped'),
      ),
  })
  .check(z.meta({ id: 'LinkIncidentsRequest' }));

export const ProblemCommentRequestSchema = z
  .strictObject({ body: commentBody })
  .check(
    z.meta({ id: 'ProblemCommentRequest', description: 'Problems are internal: a work note.' }),
  );

export const ListProblemsQuerySchema = z
  .strictObject({
    state: z.optional(ProblemStateSchema),
    priority: z.optional(z.pipe(z.coerce.number(), PrioritySchema)),
    assignmentGroup: z.optional(reference),
    assignee: z.optional(reference),
    configurationItem: z.optional(reference),
    incident: z
      .optional(reference)
      .check(z.describe('Only the problems this incident (id or number) is linked to; one page')),
    createdFrom: z.optional(z.iso.datetime()),
    createdTo: z.optional(z.iso.datetime()),
    updatedFrom: z.optional(z.iso.datetime()),
    updatedTo: z.optional(z.iso.datetime()),
    limit: pageSize,
    cursor,
  })
  .check(z.meta({ id: 'ListProblemsQuery' }));

export const ProblemIdParamSchema = z.object({
  id: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(64),
      z.describe('The problem id or its number (PRB0001001)'),
    ),
});

export const ProblemIncidentParamSchema = z.extend(ProblemIdParamSchema, {
  incidentId: z
    .string()
    .check(z.minLength(1), z.maxLength(64), z.describe('The linked incident id or number')),
});

export const ProblemListSchema = page(ProblemSchema, 'ProblemList');

export const LinkedIncidentSchema = z
  .object({
    incidentId: z.string(),
    number: z.optional(z.string()),
    shortDescription: z.optional(z.string()),
    state: z.optional(z.string()),
    configurationItem: z.optional(z.string()),
    linkedAt: z.iso.datetime(),
    linkedBy: z.string(),
  })
  .check(z.meta({ id: 'LinkedIncident' }));
export const LinkedIncidentListSchema = page(LinkedIncidentSchema, 'LinkedIncidentList');

export const LinkResultSchema = z
  .object({
    problem: ProblemSchema,
    linked: z.array(z.object({ incidentId: z.string(), linkedAt: z.iso.datetime() })),
  })
  .check(z.meta({ id: 'LinkIncidentsResult' }));

export const WorkaroundCommunicationSchema = z
  .object({
    problem: ProblemSchema,
    notified: z.int().check(z.describe('Open linked incidents that get the workaround as a note')),
  })
  .check(z.meta({ id: 'WorkaroundCommunication' }));
