import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { API_DOCS_ROUTES } from '../functions/incident/routes';
import { ChangeApprovals } from './constructs/change-approvals';
import { ChangeArea } from './constructs/change-area';
import { CmdbArea } from './constructs/cmdb-area';
import { DeadLetterQueues, type EventConsumerName } from './constructs/dead-letter-queues';
import { ItsmHttpApi } from './constructs/http-api';
import { Identity } from './constructs/identity';
import { IncidentArea } from './constructs/incident-area';
import { type FunctionDefaults, ItsmFunction } from './constructs/itsm-function';
import { OutboxPipe } from './constructs/outbox-pipe';
import { ProblemArea } from './constructs/problem-area';
import type { DeploySettings } from './settings';

export interface StatelessStackProps extends StackProps {
  readonly settings: DeploySettings;
  /** From the stateful stack. */
  readonly table: Table;
  readonly eventBus: IEventBus;
  readonly outboxDeadLetterQueue: IQueue;
  readonly deadLetterQueues: Readonly<Record<EventConsumerName, IQueue>>;
}

/** Identity, the HTTP API, the functions and the event plumbing around the stateful resources. */
export class StatelessStack extends Stack {
  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const defaults: FunctionDefaults = {
      stage: settings.stage,
      logLevel: settings.logLevel,
      table: props.table,
    };

    const identity = new Identity(this, 'Identity', {
      stage: settings.stage,
      domainPrefix: settings.cognitoDomainPrefix,
      callbackUrls: settings.cognitoCallbackUrls,
    });

    const api = new ItsmHttpApi(this, 'Api', {
      stage: settings.stage,
      issuerUrl: identity.userPool.userPoolProviderUrl,
      audiences: [identity.peopleClient.userPoolClientId, identity.machineClient.userPoolClientId],
    });

    const apiDocsFunction = new ItsmFunction(this, 'ApiDocs', {
      defaults,
      entry: 'functions/api-docs/handler.ts',
      description: 'Serves the OpenAPI document.',
      serviceName: 'api-docs',
    });
    api.addPublicRoutes(
      API_DOCS_ROUTES,
      apiDocsFunction,
      'The OpenAPI document is public so that clients can discover the API.',
    );

    const deadLetterQueues = DeadLetterQueues.referencedFrom(this, props.deadLetterQueues);
    new IncidentArea(this, 'Incidents', {
      defaults,
      settings,
      eventBus: props.eventBus,
      api,
      deadLetterQueues,
    });

    new ProblemArea(this, 'Problems', {
      defaults,
      settings,
      api,
      eventBus: props.eventBus,
      deadLetterQueues,
    });

    new ChangeArea(this, 'Changes', { defaults, settings, api });
    new ChangeApprovals(this, 'ChangeApprovals', {
      defaults,
      settings,
      api,
      eventBus: props.eventBus,
      deadLetterQueue: deadLetterQueues.ChangeApprovals,
    });

    new CmdbArea(this, 'Cmdb', {
      defaults,
      api,
      awsConfigImport: settings.awsConfigImport,
      deadLetterQueues,
    });

    new OutboxPipe(this, 'Outbox', {
      defaults,
      eventBus: props.eventBus,
      deadLetterQueue: props.outboxDeadLetterQueue,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url });
    new CfnOutput(this, 'UserPoolId', { value: identity.userPool.userPoolId });
    new CfnOutput(this, 'IssuerUrl', { value: identity.userPool.userPoolProviderUrl });
    new CfnOutput(this, 'PeopleClientId', { value: identity.peopleClient.userPoolClientId });
    new CfnOutput(this, 'MachineClientId', { value: identity.machineClient.userPoolClientId });
    new CfnOutput(this, 'TokenEndpoint', { value: identity.tokenEndpoint });
  }
}
