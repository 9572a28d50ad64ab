import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { recordConsumedCapacity } from './capacity';

/** Built once per execution environment; endpoints come from the standard SDK settings. */
export const dynamoDb = new DynamoDBClient({});

dynamoDb.middlewareStack.add(
  (next, context) => async (args) => {
    const input = args.input as Record<string, unknown>;
    if (!('ReturnConsumedCapacity' in input)) input.ReturnConsumedCapacity = 'TOTAL';
    const result = await next(args);
    const output = result.output as {
      ConsumedCapacity?: Parameters<typeof recordConsumedCapacity>[0];
    };
    recordConsumedCapacity(output.ConsumedCapacity, context.commandName ?? '');
    return result;
  },
  { step: 'initialize', name: 'consumedCapacityMeter' },
);

export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true },
});
