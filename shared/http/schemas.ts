import { ActorSchema } from '../events/envelope';
import {
  CommentVisibilitySchema,
  FieldChangeSchema,
  ImpactUrgencySchema,
} from '../events/incidents';
import { wholeNumber } from '../validation';
import * as z from '../zod';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './request';

/**
 * Request and response pieces every area's API shares: bounded text and references, cursor
 * pages, comments and the audit history. Their OpenAPI components are shared too.
 */
const texts = new Map<number, z.ZodMiniString<string>>();

/**
 * Trimmed, non-empty text of at most `max` characters. One schema per length, built once:
 * schemas never change (a check or a description makes a new one), and a cold start builds
 * hundreds of fields.
 */
export function text(max: number): z.ZodMiniString<string> {
  let schema = texts.get(max);
  if (!schema) {
    schema = z.string().check(z.trim(), z.minLength(1), z.maxLength(max));
    texts.set(max, schema);
  }
  return schema;
}

/** User, group and CI references: opaque ids from the identity provider or the CMDB. */
export const reference = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[\w.@:/+-]+$/, 'expected an id of letters, digits and . @ : / + - _'),
  );

const MAX_PAGE_SIZE = 100;
export const pageSize = z._default(
  z.coerce.number().check(wholeNumber, z.minimum(1), z.maximum(MAX_PAGE_SIZE)),
  25,
);
export const cursor = z.optional(z.string().check(z.maxLength(2048)));

export const PageQuerySchema = z.strictObject({ limit: pageSize, cursor });

/** The fields incidents and problems both take in a create request. */
export const ticketCreateFields = {
  shortDescription: text(160),
  description: z.optional(text(4000)),
  category: z.optional(text(80)),
  impact: z.optional(ImpactUrgencySchema),
  urgency: z.optional(ImpactUrgencySchema),
  configurationItem: z.optional(reference),
  assignmentGroup: z.optional(reference),
  assignee: z.optional(reference),
};

/** The same fields in a patch: each optional, and null clears those a ticket may lack. */
export const ticketPatchFields = {
  shortDescription: z.optional(text(160)),
  description: z.optional(z.nullable(text(4000))),
  category: z.optional(z.nullable(text(80))),
  impact: z.optional(ImpactUrgencySchema),
  urgency: z.optional(ImpactUrgencySchema),
  configurationItem: z.optional(z.nullable(reference)),
  assignmentGroup: z.optional(z.nullable(reference)),
  assignee: z.optional(z.nullable(reference)),
};

/** The check of every PATCH body: an empty patch is a client's mistake, not a no-op. */
export const changesSomething = z.refine<object>((patch) => Object.keys(patch).length > 0, {
  message: 'expected at least one field to change',
});

export const page = <T extends z.ZodMiniType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z
        .nullable(z.string())
        .check(z.describe('Pass as `cursor` to get the next page; null on the last page')),
    })
    .check(z.meta({ id }));

export const commentBody = text(10000);

export const CommentSchema = z
  .object({
    id: z.string(),
    visibility: CommentVisibilitySchema,
    author: z.string(),
    body: z.string(),
    createdAt: z.iso.datetime(),
  })
  .check(z.meta({ id: 'Comment' }));
export const CommentListSchema = page(CommentSchema, 'CommentList');

export const HistoryEntrySchema = z
  .object({
    version: z.int(),
    at: z.iso.datetime(),
    actor: ActorSchema,
    action: z.string(),
    changes: z.array(FieldChangeSchema),
  })
  .check(z.meta({ id: 'HistoryEntry' }));
export const HistoryListSchema = page(HistoryEntrySchema, 'HistoryList');

/** The Idempotency-Key header of creates and comments (checked by shared/http/request.ts). */
export const IdempotencyKeyHeaders = z.object({
  'Idempotency-Key': z.optional(
    z.string().check(z.minLength(1), z.maxLength(MAX_IDEMPOTENCY_KEY_LENGTH)),
  ),
});

/** What an Idempotency-Key does, for the descriptions of the routes that take one. */
export const IDEMPOTENT_RETRIES =
  'With Idempotency-Key a retry returns the first result (201, Idempotent-Replayed: true); the same key with another body is 422.';
