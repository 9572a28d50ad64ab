import * as z from 'zod';
import { ActorSchema } from '../events/envelope';
import { CommentVisibilitySchema, FieldChangeSchema } from '../events/incidents';

/**
 * Request and response pieces every area's API shares: bounded text and references, cursor
 * pages, comments and the audit history. Their OpenAPI components are shared too.
 */
export const text = (max: number) => z.string().trim().min(1).max(max);

/** User, group and CI references: opaque ids from the identity provider or the CMDB. */
export const reference = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.@:/+-]+$/, 'expected an id of letters, digits and . @ : / + - _');

const MAX_PAGE_SIZE = 100;
export const pageSize = z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(25);
export const cursor = z.string().max(2048).optional();

export const PageQuerySchema = z.strictObject({ limit: pageSize, cursor });

export const page = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .describe('Pass as `cursor` to get the next page; null on the last page'),
    })
    .meta({ id });

export const commentBody = text(10000);

export const CommentSchema = z
  .object({
    id: z.string(),
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
