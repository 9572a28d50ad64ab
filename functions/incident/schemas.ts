import * as z from 'zod';
import {
  ChannelSchema,
  CommentVisibilitySchema,
  HoldReasonSchema,
  ImpactUrgencySchema,
  IncidentSnapshotSchema,
  IncidentStateSchema,
  PrioritySchema,
  ResolutionCodeSchema,
} from '../../shared/events/incidents';
import { commentBody, cursor, page, pageSize, reference, text } from '../../shared/http/schemas';

/**
 * The incident API's request and response schemas: validation at the edge and the source of
 * the OpenAPI document. Request bodies are strict: an unknown or read-only field (priority,
 * number, version, state, ...) is a 400 naming the field.
 */
export const IncidentSchema = IncidentSnapshotSchema.meta({ id: 'Incident' });

export const CreateIncidentRequestSchema = z
  .strictObject({
    shortDescription: text(160),
    description: text(4000).optional(),
    caller: reference.optional(),
    category: text(80).optional(),
    impact: ImpactUrgencySchema.optional(),
    urgency: ImpactUrgencySchema.optional(),
    configurationItem: reference.optional(),
    assignmentGroup: reference.optional(),
    assignee: reference.optional(),
    channel: ChannelSchema.optional(),
    parentId: reference.optional(),
  })
  .meta({ id: 'CreateIncidentRequest' });

export const PatchIncidentRequestSchema = z
  .strictObject({
    shortDescription: text(160).optional(),
    description: text(4000).nullable().optional(),
    caller: reference.optional(),
    category: text(80).nullable().optional(),
    impact: ImpactUrgencySchema.optional(),
    urgency: ImpactUrgencySchema.optional(),
    configurationItem: reference.nullable().optional(),
    assignmentGroup: reference.nullable().optional(),
    assignee: reference.nullable().optional(),
    channel: ChannelSchema.optional(),
    parentId: reference
      .nullable()
      .optional()
      .describe('Make this incident a child of another (id or number); null detaches it'),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'expected at least one field to change',
  })
  .meta({
    id: 'PatchIncidentRequest',
    description: 'Fields to change; null clears an optional field.',
  });

const comment = commentBody;

export const TransitionRequestSchema = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.literal('start') }),
    z.strictObject({
      action: z.literal('hold'),
      holdReason: HoldReasonSchema,
      comment: comment.optional(),
    }),
    z.strictObject({ action: z.literal('resume') }),
    z.strictObject({
      action: z.literal('resolve'),
      resolutionCode: ResolutionCodeSchema,
      resolutionNotes: text(4000),
    }),
    z.strictObject({ action: z.literal('close') }),
    z.strictObject({ action: z.literal('reopen'), comment: comment.optional() }),
    z.strictObject({ action: z.literal('cancel'), comment: comment.optional() }),
  ])
  .meta({ id: 'TransitionRequest' });

export const CommentRequestSchema = z
  .strictObject({
    body: comment,
    visibility: CommentVisibilitySchema.default('public').describe(
      'public: a comment the caller sees; internal: a work note for agents only',
    ),
  })
  .meta({ id: 'CommentRequest' });

export const ListIncidentsQuerySchema = z
  .strictObject({
    state: IncidentStateSchema.optional(),
    priority: z.coerce.number().pipe(PrioritySchema).optional(),
    assignmentGroup: reference.optional(),
    assignee: reference.optional(),
    caller: reference.optional(),
    configurationItem: reference.optional(),
    createdFrom: z.iso.datetime().optional(),
    createdTo: z.iso.datetime().optional(),
    updatedFrom: z.iso.datetime().optional(),
    updatedTo: z.iso.datetime().optional(),
    limit: pageSize,
    cursor,
  })
  .meta({ id: 'ListIncidentsQuery' });

export const IncidentIdParamSchema = z.object({
  id: z.string().min(1).max(64).describe('The incident id or its number (INC0001001)'),
});

export const IncidentListSchema = page(IncidentSchema, 'IncidentList');
