import * as z from 'zod';
import { ActorSchema } from '../../shared/events/envelope';
import {
  ChannelSchema,
  CommentVisibilitySchema,
  FieldChangeSchema,
  HoldReasonSchema,
  ImpactUrgencySchema,
  IncidentSnapshotSchema,
  IncidentStateSchema,
  PrioritySchema,
  ResolutionCodeSchema,
} from '../../shared/events/incidents';

/**
 * The incident API's request and response schemas: validation at the edge and the source of
 * the OpenAPI document. Request bodies are strict: an unknown or read-only field (priority,
 * number, version, state, ...) is a 400 naming the field.
 */
const text = (max: number) => z.string().trim().min(1).max(max);
/** User, group and CI references: opaque ids from the identity provider or the CMDB. */
const reference = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.@:/+-]+$/, 'expected an id of letters, digits and . @ : / + - _');

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

const comment = text(10000);

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

export const MAX_PAGE_SIZE = 100;
const pageSize = z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(25);
const cursor = z.string().max(2048).optional();

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

export const PageQuerySchema = z.strictObject({ limit: pageSize, cursor });

export const IncidentIdParamSchema = z.object({
  id: z.string().min(1).max(64).describe('The incident id or its number (INC0001001)'),
});

const page = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .describe('Pass as `cursor` to get the next page; null on the last page'),
    })
    .meta({ id });

export const IncidentListSchema = page(IncidentSchema, 'IncidentList');

export const CommentSchema = z
  .object({
    id: z.string(),
    incidentId: z.string(),
    visibility: CommentVisibilitySchema,
    author: z.string(),
    body: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Comment' });
export const CommentListSchema = page(CommentSchema, 'CommentList');

export const HistoryEntrySchema = z
  .object({
    version: z.number().int(),
    at: z.iso.datetime(),
    actor: ActorSchema,
    action: z.string(),
    changes: z.array(FieldChangeSchema),
  })
  .meta({ id: 'HistoryEntry' });
export const HistoryListSchema = page(HistoryEntrySchema, 'HistoryList');
