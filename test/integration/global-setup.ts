import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TestProject } from 'vitest/node';
import { ensureTable, LOCAL_AWS, startDynamoDbLocal } from '../../local/dynamodb';
import { tableFromStatefulStack } from '../support/table-from-stack';

export const INTEGRATION_TABLE = 'itsm-integration';

/** One in-memory DynamoDB Local for the integration tier, with the deployed table shape. */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
  await ensureTable(client, INTEGRATION_TABLE, tableFromStatefulStack());
  client.destroy();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('tableName', INTEGRATION_TABLE);
  return () => dynamo.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    tableName: string;
  }
}
