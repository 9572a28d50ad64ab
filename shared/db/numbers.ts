import type { counterEntity } from './entities';

/**
 * Human numbers (INC0001001, PRB0001001, ...) come from one counter item per prefix,
 * incremented atomically (UpdateItem ADD), so concurrent creates never receive the same
 * number. A create that then fails leaves a gap, as in other service desks.
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
