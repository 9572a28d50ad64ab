import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * DynamoDB request units consumed within one measured scope (a request, a batch).
 * Every command asks for its consumed capacity, so each invocation can report what it cost;
 * the benchmark compares these numbers with docs/data-model.md.
 */
export interface CapacityUsage {
  readUnits: number;
  /** All write units reported, transactional ones included. */
  writeUnits: number;
  /**
   * The part of writeUnits reported for TransactWriteItems. DynamoDB bills transactional
   * writes at twice the units; DynamoDB Local reports them once, so the benchmark adds
   * this part again when it runs against Local.
   */
  transactionalWriteUnits: number;
}

const capacityScope = new AsyncLocalStorage<CapacityUsage>();

/** Runs `fn` and returns what it consumed along with its result. */
export async function measureCapacity<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; usage: CapacityUsage }> {
  const usage: CapacityUsage = { readUnits: 0, writeUnits: 0, transactionalWriteUnits: 0 };
  const result = await capacityScope.run(usage, fn);
  return { result, usage };
}

interface ConsumedCapacityLike {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/** Adds a response's ConsumedCapacity to the scope measuring the current request, if any. */
export function recordConsumedCapacity(
  consumed: ConsumedCapacityLike | ConsumedCapacityLike[] | undefined,
  command: string,
) {
  const usage = capacityScope.getStore();
  if (!usage || !consumed) return;
  for (const entry of Array.isArray(consumed) ? consumed : [consumed]) {
    const isWrite = /Put|Update|Delete|Write/.test(command);
    const read = entry.ReadCapacityUnits ?? (isWrite ? 0 : (entry.CapacityUnits ?? 0));
    const write = entry.WriteCapacityUnits ?? (isWrite ? (entry.CapacityUnits ?? 0) : 0);
    usage.readUnits += read;
    usage.writeUnits += write;
    if (command === 'TransactWriteItemsCommand') usage.transactionalWriteUnits += write;
  }
}
