import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StatefulStack } from '../../infra/stateful-stack';
import type { CfnTableProperties } from '../../local/dynamodb';

/** The table exactly as the stateful stack declares it, for DynamoDB Local. */
export function tableFromStatefulStack(): CfnTableProperties {
  const app = new App();
  const stack = new StatefulStack(app, 'Stateful', { stage: 'test' });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<
    string,
    { Type: string; Properties: CfnTableProperties }
  >;
  const table = Object.values(resources).find(
    (resource) => resource.Type === 'AWS::DynamoDB::Table',
  );
  if (!table) throw new Error('The stateful stack declares no DynamoDB table');
  return table.Properties;
}
