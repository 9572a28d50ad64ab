import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { IMPORTED_RESOURCE_TYPES_ENV } from '../../functions/cmdb/aws-config-settings';
import { CMDB_API_ROUTES, CMDB_IMPORT_ROUTES } from '../../functions/cmdb/routes';
import {
  ConfigurationItemChange,
  INLINE_CHANGE,
  OVERSIZED_CHANGE,
} from '../../shared/events/aws-config';
import type { DeploySettings } from '../settings';
import type { DeadLetterQueuesByConsumer } from './dead-letter-queues';
import { EventConsumer } from './event-consumer';
import type { ItsmHttpApi } from './http-api';
import { type FunctionDefaults, ItsmFunction, type TableAction } from './itsm-function';

export interface CmdbAreaProps {
  readonly defaults: FunctionDefaults;
  readonly api: ItsmHttpApi;
  /** Delivery of AWS Config configuration items; none unless given and enabled. */
  readonly awsConfigImport?: DeploySettings['awsConfigImport'];
  readonly deadLetterQueues: DeadLetterQueuesByConsumer;
}

/**
 * Reads (BatchGetItem for the impact walk) and transactional writes of CIs and outbox items.
 * Every write is a conditional Put inside a transaction; nothing is updated in place or deleted.
 */
export const CMDB_TABLE_ACTIONS: readonly TableAction[] = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
];

/** An import reads the CIs it touches and writes them in transactions. */
export const CMDB_IMPORT_TABLE_ACTIONS: readonly TableAction[] = ['GetItem', 'PutItem'];

const SERVICE_NAME = 'cmdb';

/**
 * The configuration management process area: the CMDB API, the AWS Config import over HTTP
 * and, when enabled, AWS Config's delivery into the CMDB.
 */
export class CmdbArea extends Construct {
  readonly apiFunction: ItsmFunction;
  readonly importFunction: ItsmFunction;
  readonly awsConfigDelivery: AwsConfigDelivery | undefined;

  constructor(scope: Construct, id: string, props: CmdbAreaProps) {
    super(scope, id);
    this.apiFunction = new ItsmFunction(this, 'Api', {
      defaults: props.defaults,
      entry: 'functions/cmdb/api.ts',
      description: 'CMDB API (HTTP API payload v2): CIs, relationships, impact.',
      serviceName: SERVICE_NAME,
      tableActions: CMDB_TABLE_ACTIONS,
    });
    props.api.addAuthenticatedRoutes(CMDB_API_ROUTES, this.apiFunction);

    this.importFunction = new ItsmFunction(this, 'Import', {
      defaults: props.defaults,
      entry: 'functions/cmdb/import-api.ts',
      description: 'CMDB import of AWS Config configuration items (HTTP API payload v2).',
      serviceName: SERVICE_NAME,
      tableActions: CMDB_IMPORT_TABLE_ACTIONS,
      // An import of 100 items takes a few round trips each; API Gateway gives up at 30 s.
      timeout: Duration.seconds(29),
    });
    props.api.addAuthenticatedRoutes(CMDB_IMPORT_ROUTES, this.importFunction);

    this.awsConfigDelivery = props.awsConfigImport?.enabled
      ? new AwsConfigDelivery(this, 'AwsConfig', {
          defaults: props.defaults,
          settings: props.awsConfigImport,
          deadLetterQueue: props.deadLetterQueues.CmdbAwsConfigChanges,
        })
      : undefined;
  }
}

export interface AwsConfigDeliveryProps {
  readonly defaults: FunctionDefaults;
  readonly settings: DeploySettings['awsConfigImport'];
  readonly deadLetterQueue: IQueue;
}

/** Consumer function timeout; the queue hides a message for six times as long. */
const CHANGE_IMPORT_TIMEOUT = Duration.seconds(30);

/**
 * AWS Config into the CMDB, both ways it can arrive: its change events (a rule on the
 * account's default bus, where AWS services publish, to a queue drained by a function), and a
 * scheduled full sync through advanced query, for what existed before the rule and for
 * events EventBridge lost. Both import with the same idempotent use case as `POST /cis/import`.
 */
export class AwsConfigDelivery extends Construct {
  readonly changeImportFunction: ItsmFunction;
  readonly changes: EventConsumer;
  readonly syncFunction: ItsmFunction;
  readonly syncSchedule: Rule;

  constructor(scope: Construct, id: string, props: AwsConfigDeliveryProps) {
    super(scope, id);
    const { settings } = props;
    const common = {
      defaults: props.defaults,
      serviceName: SERVICE_NAME,
      tableActions: CMDB_IMPORT_TABLE_ACTIONS,
      environment: { [IMPORTED_RESOURCE_TYPES_ENV]: JSON.stringify(settings.resourceTypes) },
    };

    this.changeImportFunction = new ItsmFunction(this, 'ChangeImport', {
      ...common,
      entry: 'functions/cmdb/aws-config-events.ts',
      description: "Imports AWS Config's configuration item changes into the CMDB.",
      timeout: CHANGE_IMPORT_TIMEOUT,
    });
    // Inline changes are filtered by type here. Oversized ones carry the type in a summary,
    // which the function checks before it fetches the item from S3; without the bucket they
    // are left to the next sync.
    const inline = {
      messageType: [INLINE_CHANGE],
      configurationItem: { resourceType: [...settings.resourceTypes] },
    };
    this.changes = new EventConsumer(this, 'Changes', {
      description: 'AWS Config configuration item changes of the resource types the CMDB imports.',
      events: [ConfigurationItemChange],
      detail: settings.deliveryBucket
        ? { $or: [inline, { messageType: [OVERSIZED_CHANGE] }] }
        : inline,
      handler: this.changeImportFunction,
      deadLetterQueue: props.deadLetterQueue,
    });
    if (settings.deliveryBucket) this.grantOversizedReads(settings.deliveryBucket);

    this.syncFunction = new ItsmFunction(this, 'Sync', {
      ...common,
      entry: 'functions/cmdb/aws-config-sync.ts',
      description: "Imports AWS Config's inventory of the configured resource types.",
      // The most Lambda allows; a run that ends early is continued by the next one.
      timeout: Duration.minutes(15),
    });
    this.syncFunction.addToRolePolicy(
      new PolicyStatement({ actions: ['config:SelectResourceConfig'], resources: ['*'] }),
    );
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'config:SelectResourceConfig and the X-Ray writes of active tracing support no resource-level permissions.',
    });
    // Schedules only run on the default bus.
    this.syncSchedule = new Rule(this, 'SyncSchedule', {
      description: `Imports AWS Config's inventory into the CMDB every ${settings.scheduleHours} hours.`,
      schedule: Schedule.rate(Duration.hours(settings.scheduleHours)),
      // Retried once; otherwise the next run catches up.
      targets: [new LambdaFunction(this.syncFunction, { retryAttempts: 1 })],
    });
  }

  /**
   * The delivery channel writes oversized notifications to
   * `[prefix/]AWSLogs/<account>/Config/<region>/<y>/<m>/<d>/OversizedChangeNotification/...`.
   */
  private grantOversizedReads(bucket: string): void {
    const { account, region, partition } = Stack.of(this);
    const objects = (accountId: string, regionName: string) =>
      `${bucket}/*AWSLogs/${accountId}/Config/${regionName}/*/OversizedChangeNotification/*`;
    this.changeImportFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${partition}:s3:::${objects(account, region)}`],
      }),
    );
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${objects('<AWS::AccountId>', '<AWS::Region>')}]`,
      reason:
        'The key prefix of the delivery channel, the date and the resource in the key of an oversized notification are not known in advance.',
    });
  }
}
