/**
 * Filtered, cursor-paged lists of an aggregate (incidents, problems), each page one Query on
 * one index, never a Scan: the most selective filter present picks its index, a created or
 * updated range becomes the sort-key condition, and the other filters become a filter
 * expression. docs/data-model.md lists the indexes and what a page costs.
 */
export interface ListRange {
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
}

export interface ListPage {
  /** Items read per page: with several filters a page may hold fewer matches than this. */
  limit: number;
  cursor?: string | null;
}

/** How an aggregate's filters map onto its indexes. */
export interface ListingPlan<Filter extends string> {
  /** Filter field and the index serving it, most selective first. */
  filterIndexes: readonly (readonly [Filter, string])[];
  /** Sort attributes of the sparse indexes (`<createdAt>#<id>`), by index name. */
  sparseSortAttributes: Readonly<Record<string, string>>;
}

type Filters<Filter extends string> = Partial<Record<Filter, string | number | boolean>>;

export function chooseListIndex<Filter extends string>(
  plan: ListingPlan<Filter>,
  query: Filters<Filter> & ListRange,
): string {
  const byFilter = plan.filterIndexes.find(([field]) => query[field] !== undefined);
  if (byFilter) return byFilter[1];
  const updatedOnly =
    (query.updatedFrom !== undefined || query.updatedTo !== undefined) &&
    query.createdFrom === undefined &&
    query.createdTo === undefined;
  return updatedOnly ? 'byUpdated' : 'byCreated';
}

/** Below and above every ISO timestamp (and `<timestamp>#<id>`), as strings. */
const LOWEST_TIME = '0';
const HIGHEST_TIME = '~';

/** ISO timestamps sort as strings; one millisecond later turns an inclusive bound exclusive. */
export function justAfter(iso: string): string {
  return new Date(Date.parse(iso) + 1).toISOString();
}

/** What an ElectroDB query chain offers, as far as a list needs it. */
interface QueryChain<Item> {
  between(from: object, to: object): QueryChain<Item>;
  where(
    build: (
      attributes: Record<string, never>,
      operations: Record<'eq' | 'gte' | 'lte', (attribute: never, value: never) => string>,
    ) => string,
  ): QueryChain<Item>;
  go(options: {
    limit: number;
    cursor: string | null;
    order: 'asc' | 'desc';
  }): Promise<{ data: Item[]; cursor: string | null }>;
}

/**
 * One page of `entityQueries` (an ElectroDB entity's `query`), newest first. Electro's typed
 * query builders differ per index but share one runtime shape, so they are addressed by name.
 */
export async function queryList<Filter extends string, Item>(
  entityQueries: unknown,
  plan: ListingPlan<Filter>,
  query: Filters<Filter> & ListRange & ListPage,
): Promise<{ items: Item[]; cursor: string | null; index: string }> {
  const index = chooseListIndex(plan, query);
  const dimension = plan.filterIndexes.find(([, name]) => name === index)?.[0];
  const sortField = index === 'byUpdated' ? 'updatedAt' : 'createdAt';
  const from = sortField === 'updatedAt' ? query.updatedFrom : query.createdFrom;
  const to = sortField === 'updatedAt' ? query.updatedTo : query.createdTo;
  // Sparse indexes sort by `<createdAt>#<id>`, which compares against an ISO bound exactly as
  // createdAt does.
  const sortAttribute = plan.sparseSortAttributes[index] ?? sortField;

  const queries = entityQueries as Record<string, (keys: object) => QueryChain<Item>>;
  const build = queries[index];
  if (build === undefined) throw new Error(`The entity has no list index ${index}.`);
  const base = build(dimension ? { [dimension]: query[dimension] } : {});
  // Both ends are always bounded within the entity's own sort-key prefix: an open end would
  // reach into other entities' items that share the partition (`byCreated` holds incidents,
  // problems, CIs, ...) and spend the page on items that are then dropped.
  const ranged =
    from === undefined && to === undefined
      ? base
      : base.between(
          { [sortAttribute]: from ?? LOWEST_TIME },
          { [sortAttribute]: to === undefined ? HIGHEST_TIME : justAfter(to) },
        );

  const { data, cursor } = await ranged
    .where((attributes, op) => {
      const conditions: string[] = [];
      for (const [field] of plan.filterIndexes) {
        const value = query[field];
        if (value !== undefined && field !== dimension) {
          conditions.push(op.eq(attributes[field] as never, value as never));
        }
      }
      const bounds: Array<[string, string | undefined, string | undefined]> = [
        ['createdAt', query.createdFrom, query.createdTo],
        ['updatedAt', query.updatedFrom, query.updatedTo],
      ];
      for (const [field, lower, upper] of bounds) {
        if (field === sortField) continue;
        if (lower !== undefined)
          conditions.push(op.gte(attributes[field] as never, lower as never));
        if (upper !== undefined)
          conditions.push(op.lte(attributes[field] as never, upper as never));
      }
      return conditions.join(' AND ');
    })
    .go({ limit: query.limit, cursor: query.cursor ?? null, order: 'desc' });
  return { items: data, cursor, index };
}
