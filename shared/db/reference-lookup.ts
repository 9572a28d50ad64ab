import { batchGetAll } from './batch';

/** What a read-only reference of a numbered item offers (an ElectroDB entity), as far as a lookup needs. */
interface NumberedReference<Item> {
  query: {
    byNumber(key: { number: string }): {
      go(options: { limit: number; attributes: ['id'] }): Promise<{ data: { id: string }[] }>;
    };
  };
  get(keys: { id: string }[]): {
    go(options: {
      consistent: boolean;
      concurrent: number;
    }): Promise<{ data: Item[]; unprocessed: { id: string }[] }>;
  };
}

/**
 * Another area's items named by id or by number (INC0001001, PRB0001001): numbers through the
 * `byNumber` index (eventually consistent: it only finds the id), then one consistent
 * BatchGetItem. The result maps each key given that names an existing item, and each found
 * item's id, to the item; unknown keys are absent.
 */
export async function referencesByIdOrNumber<Item extends { id: string }>(
  reference: NumberedReference<Item>,
  numberPattern: RegExp,
  keys: readonly string[],
): Promise<Map<string, Item>> {
  const ids = await Promise.all(
    keys.map(async (key) => {
      if (!numberPattern.test(key)) return key;
      const { data } = await reference.query
        .byNumber({ number: key.toUpperCase() })
        .go({ limit: 1, attributes: ['id'] });
      return data[0]?.id;
    }),
  );
  const known = [...new Set(ids.filter((id): id is string => id !== undefined))];
  const items = await batchGetAll(
    known.map((id) => ({ id })),
    (batch, concurrent) => reference.get(batch).go({ consistent: true, concurrent }),
  );
  const found = new Map(items.map((item) => [item.id, item]));
  keys.forEach((key, index) => {
    const id = ids[index];
    const item = id === undefined ? undefined : found.get(id);
    if (item) found.set(key, item);
  });
  return found;
}
