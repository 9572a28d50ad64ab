/** Limits of the change area, shared by its schemas, use cases and API documentation. */

/**
 * A change's CIs are written with it (one record each) in its transactions, which DynamoDB
 * caps at 100 items: replacing every CI of a change writes two records per CI.
 */
export const MAX_AFFECTED_CIS = 40;

/** The calendar shows at most this much of the schedule at once. */
export const MAX_CALENDAR_DAYS = 92;

/**
 * A release lists at most this many changes: reading its state reads them all, in one
 * BatchGetItem, and the release item stays a few KB. Shared by the schemas and use cases.
 */
export const MAX_RELEASE_CHANGES = 100;
