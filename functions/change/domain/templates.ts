import * as z from '../../../shared/zod';

/**
 * A standard change template (`/change-templates`): a low-risk, proven procedure approved once,
 * so the changes made from it skip authorization. Its plans are the approved part: a standard
 * change copies them and may not alter them. A retired (inactive) template makes no new
 * changes; those already made from it go on.
 */
export const ChangeTemplateSchema = z.object({
  id: z.string(),
  name: z.string().check(z.minLength(1)),
  shortDescription: z.string().check(z.minLength(1)),
  description: z.optional(z.string()),
  category: z.optional(z.string()),
  implementationPlan: z.string().check(z.minLength(1)),
  backoutPlan: z.string().check(z.minLength(1)),
  testPlan: z.string().check(z.minLength(1)),
  /** The CIs a change from the template affects unless it names its own. */
  affectedCis: z.array(z.string()),
  active: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.int().check(z.positive()),
});
export type ChangeTemplate = z.infer<typeof ChangeTemplateSchema>;
