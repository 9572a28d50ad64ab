/** BatchGetItem reads at most this many keys per call. */
const BATCH_GET_LIMIT = 100;
/** Unprocessed keys (throttling) are asked for again this many times before giving up. */
const BATCH_GET_ATTEMPTS = 4;

/**
 * The items of `keys` that exist, through BatchGetItem: 100 keys per call, the calls in
 * parallel (`concurrent`), keys DynamoDB left unprocessed (throttling) asked for again with
 * backoff. `read` is an ElectroDB batch get, `(keys, concurrent) => entity.get(keys).go(...)`.
 */
export async function batchGetAll<Key, Item>(
  keys: readonly Key[],
  read: (keys: Key[], concurrent: number) => Promise<{ data: Item[]; unprocessed: Key[] }>,
): Promise<Item[]> {
  const found: Item[] = [];
  let pending = [...keys];
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > BATCH_GET_ATTEMPTS) {
      throw new Error(`BatchGetItem left ${pending.length} keys unprocessed.`);
    }
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    const { data, unprocessed } = await read(pending, Math.ceil(pending.length / BATCH_GET_LIMIT));
    found.push(...data);
    pending = unprocessed;
  }
  return found;
}
