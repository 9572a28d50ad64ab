/** Limits of the CMDB area, shared by its schemas, use cases and API documentation. */
/**
 * A CI keeps at most this many relationships: its adjacency list lives in its item, which
 * DynamoDB caps at 400 KB (2,000 edges of 100-character ids take about 270 KB).
 */
export const MAX_EDGES_PER_CI = 2000;
/** The deepest impact walk served; each level costs at least one BatchGetItem round trip. */
export const MAX_IMPACT_DEPTH = 8;
/** The impact walk stops loading beyond this many CIs and reports the result as truncated. */
export const MAX_IMPACT_CIS = 5000;
/** Configuration items per import request. */
export const MAX_IMPORT_DOCUMENTS = 100;
