import * as z from 'zod';
import { ImpactUrgencySchema, PrioritySchema } from '../../shared/events/incidents';
import {
  ProblemResolutionCodeSchema,
  ProblemSnapshotSchema,
  ProblemStateSchema,
} from '../../shared/events/problems';
import { commentBody, cursor, page, pageSize, reference, text } from '../../shared/http/schemas';

/**
 * The problem API's request and response schemas: validation at the edge and the source of
 * the OpenAPI document. Request bodies are strict: an unknown or read-only field (priority,
 * number, state, linkedIncidentCount, ...) is a 400 naming the field.
 */
export const ProblemSchema = ProblemSnapshotSchema.meta({ id: 'Problem' });

const knownErrorFields = {
  knownError: z.boolean().describe('A known error documents its root cause and workaround'),
  rootCause: text(4000),
  workaround: text(4000),
};

export const CreateProblemRequestSchema = z
  .strictObject({
    shortDescription: text(160),
    description: text(4000).optional(),
    category: text(80).optional(),
    impact: ImpactUrgencySchema.optional(),
    urgency: ImpactUrgencySchema.optional(),
    configurationItem: reference.optional(),
    assignmentGroup: reference.optional(),
    assignee: reference.optional(),
    knownError: knownErrorFields.knownError.optional(),
    rootCause: knownErrorFields.rootCause.optional(),
    workaround: knownErrorFields.workaround.optional(),
  })
  .meta({ id: 'CreateProblemRequest' });

export const PatchProblemRequestSchema = z
  .strictObject({
    shortDescription: text(160).optional(),
    description: text(4000).nullable().optional(),
    category: text(80).nullable().optional(),
    impact: ImpactUrgencySchema.optional(),
    urgency: ImpactUrgencySchema.optional(),
    configurationItem: reference.nullable().optional(),
    assignmentGroup: reference.nullable().optional(),
    assignee: reference.nullable().optional(),
    knownError: knownErrorFields.knownError.optional(),
    rootCause: knownErrorFields.rootCause.nullable().optional(),
    workaround: knownErrorFields.workaround.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'expected at least one field to change',
  })
  .meta({
    id: 'PatchProblemRequest',
    description: 'Fields to change; null clears an optional field.',
  });

const comment = commentBody.optional().describe('Kept as a work note with the transition');

export const ProblemTransitionRequestSchema = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.literal('assess'), comment }),
    z.strictObject({ action: z.literal('analyse'), comment }),
    z.strictObject({ action: z.literal('fix'), rootCause: text(4000).optional(), comment }),
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
      duplicateOf: reference.describe('The problem kept (id or number)'),
      comment,
    }),
    z.strictObject({ action: z.literal('cancel'), comment }),
  ])
  .meta({ id: 'ProblemTransitionRequest' });

export const LinkIncidentsRequestSchema = z
  .strictObject({
    incidentIds: z
      .array(reference)
      .min(1)
      .max(50)
      .describe('Incident ids or numbers; those already linked are skipped'),
  })
  .meta({ id: 'LinkIncidentsRequest' });

export const ProblemCommentRequestSchema = z
  .strictObject({ body: commentBody })
  .meta({ id: 'ProblemCommentRequest', description: 'Problems are internal: a work note.' });

export const ListProblemsQuerySchema = z
  .strictObject({
    state: ProblemStateSchema.optional(),
    priority: z.coerce.number().pipe(PrioritySchema).optional(),
    assignmentGroup: reference.optional(),
    assignee: reference.optional(),
    configurationItem: reference.optional(),
    incident: reference
      .optional()
      .describe('Only the problems this incident (id or number) is linked to; one page'),
    createdFrom: z.iso.datetime().optional(),
    createdTo: z.iso.datetime().optional(),
    updatedFrom: z.iso.datetime().optional(),
    updatedTo: z.iso.datetime().optional(),
    limit: pageSize,
    cursor,
  })
  .meta({ id: 'ListProblemsQuery' });

export const ProblemIdParamSchema = z.object({
  id: z.string().min(1).max(64).describe('The problem id or its number (PRB0001001)'),
});

export const ProblemIncidentParamSchema = ProblemIdParamSchema.extend({
  incidentId: z.string().min(1).max(64).describe('The linked incident id or number'),
});

export const ProblemListSchema = page(ProblemSchema, 'ProblemList');

export const LinkedIncidentSchema = z
  .object({
    incidentId: z.string(),
    number: z.string().optional(),
    shortDescription: z.string().optional(),
    state: z.string().optional(),
    configurationItem: z.string().optional(),
    linkedAt: z.iso.datetime(),
    linkedBy: z.string(),
  })
  .meta({ id: 'LinkedIncident' });
export const LinkedIncidentListSchema = page(LinkedIncidentSchema, 'LinkedIncidentList');

export const LinkResultSchema = z
  .object({
    problem: ProblemSchema,
    linked: z.array(z.object({ incidentId: z.string(), linkedAt: z.iso.datetime() })),
  })
  .meta({ id: 'LinkIncidentsResult' });

export const WorkaroundCommunicationSchema = z
  .object({
    problem: ProblemSchema,
    notified: z.number().int().describe('Open linked incidents that get the workaround as a note'),
  })
  .meta({ id: 'WorkaroundCommunication' });
