import type { counterEntity } from './entities';

/**
 * Human numbers (INC0001001, PRB0001001, ...) come from one counter item per prefix,
 * incremented atomically (UpdateItem ADD), so concurrent creates never receive the same
 * number. Creates take theirs after their checks (numberedAfterChecks): input they refuse
 * uses none. A create that fails later (a lost race, an outage) leaves a gap, as in other
 * service desks.
 */
export async function allocateNumber(
  counters: typeof counterEntity,
  prefix: string,
  options: { firstNumber?: number; digits?: number } = {},
): Promise<string> {
  const firstNumber = options.firstNumber ?? 1001;
  const digits = options.digits ?? 7;
  const { data } = await counters
    .update({ name: prefix })
    .add({ value: 1 })
    .go({ response: 'updated_new' });
  const sequence = (data.value ?? 1) - 1 + firstNumber;
  return `${prefix}${String(sequence).padStart(digits, '0')}`;
}

/**
 * Drafts a new aggregate, which checks its input, before its number is taken: a request
 * refused as invalid leaves the numbering as it was. The draft is made with a placeholder
 * number, then given the allocated one.
 */
export async function numberedAfterChecks<T extends { number: string }>(
  draft: (number: string) => T,
  allocate: () => Promise<string>,
): Promise<T> {
  const checked = draft('');
  return { ...checked, number: await allocate() };
}
