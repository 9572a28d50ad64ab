/**
 * The zod every function and shared module builds its schemas with: zod mini, whose functions
 * tree-shake (about 45 KB of a bundle, against 100 KB for classic zod's chained methods, and
 * cheaper to construct at cold start). Mini ships without error messages ("Invalid input"
 * for everything), so this module gives it the English ones once; import zod from here, never
 * from 'zod/mini' directly. The CDK app and local tools, which never ship to Lambda, use classic zod.
 */
import { config } from 'zod/mini';
import { en } from 'zod/v4/locales';

config(en());

export * from 'zod/mini';
