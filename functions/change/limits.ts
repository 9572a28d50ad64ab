/** Limits of the change area, shared by its schemas, use cases and API documentation. */

/**
 * A change's CIs are written with it (one record each) in its transactions, which DynamoDB
 * caps at 100 items: replacing every CI of a change writes two records per CI.
 */
export const MAX_AFFECTED_CIS = 40;

/** The calendar shows at most this much of the schedule at once. */
export const MAX_CALENDAR_DAYS = 92;
