import {
  ChannelSchema,
  CommentVisibilitySchema,
  HoldReasonSchema,
  IncidentSnapshotSchema,
  IncidentStateSchema,
  PrioritySchema,
  ResolutionCodeSchema,
} from '../../shared/events/incidents';
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
 * The incident API's request and response schemas: validation at the edge and the source of
 * the OpenAPI document. Request bodies are strict: an unknown or read-only field (priority,
 * number, version, state, ...) is a 400 naming the field.
 */
export const IncidentSchema = IncidentSnapshotSchema.check(z.meta({ id: 'Incident' }));

export const CreateIncidentRequestSchema = z
  .strictObject({
    ...ticketCreateFields,
    caller: z.optional(reference),
    channel: z.optional(ChannelSchema),
    parentId: z.optional(reference),
  })
  .check(z.meta({ id: 'CreateIncidentRequest' }));

export const PatchIncidentRequestSchema = z
  .strictObject({
    ...ticketPatchFields,
    caller: z.optional(reference),
    channel: z.optional(ChannelSchema),
    parentId: z
      .optional(z.nullable(reference))
      .check(z.describe('Make this incident a child of another (id or number); null detaches it')),
  })
  .check(
    changesSomething,
    z.meta({
      id: 'PatchIncidentRequest',
      description: 'Fields to change; null clears an optional field.',
    }),
  );

const comment = commentBody;

export const TransitionRequestSchema = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.literal('start') }),
    z.strictObject({
      action: z.literal('hold'),
      holdReason: HoldReasonSchema,
      comment: z.optional(comment),
    }),
    z.strictObject({ action: z.literal('resume') }),
    z.strictObject({
      action: z.literal('resolve'),
      resolutionCode: ResolutionCodeSchema,
      resolutionNotes: text(4000),
    }),
    z.strictObject({ action: z.literal('close') }),
    z.strictObject({ action: z.literal('reopen'), comment: z.optional(comment) }),
    z.strictObject({ action: z.literal('cancel'), comment: z.optional(comment) }),
  ])
  .check(z.meta({ id: 'TransitionRequest' }));

export const CommentRequestSchema = z
  .strictObject({
    body: comment,
    visibility: z
      ._default(CommentVisibilitySchema, 'public')
      .check(
        z.describe('public: a comment the caller sees; internal: a work note for agents only'),
      ),
  })
  .check(z.meta({ id: 'CommentRequest' }));

export const ListIncidentsQuerySchema = z
  .strictObject({
    state: z.optional(IncidentStateSchema),
    priority: z.optional(z.pipe(z.coerce.number(), PrioritySchema)),
    assignmentGroup: z.optional(reference),
    assignee: z.optional(reference),
    caller: z.optional(reference),
    configurationItem: z.optional(reference),
    createdFrom: z.optional(z.iso.datetime()),
    createdTo: z.optional(z.iso.datetime()),
    updatedFrom: z.optional(z.iso.datetime()),
    updatedTo: z.optional(z.iso.datetime()),
    limit: pageSize,
    cursor,
  })
  .check(z.meta({ id: 'ListIncidentsQuery' }));

export const IncidentIdParamSchema = z.object({
  id: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(64),
      z.describe('The incident id or its number (INC0001001)'),
    ),
});

export const IncidentListSchema = page(IncidentSchema, 'IncidentList');
