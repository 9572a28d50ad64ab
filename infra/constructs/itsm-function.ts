import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { TABLE_INDEXES, TABLE_NAME_ENV } from '../../shared/db/table';
import type { DeploySettings } from '../settings';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * DynamoDB actions a function may be granted. There are no IAM actions for transactions:
 * TransactWriteItems / TransactGetItems are authorized by the Put/Update/Delete/ConditionCheck
 * and Get actions they contain.
 */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'ConditionCheckItem';

/** What every function of one deployment shares. */
export interface FunctionDefaults {
  readonly stage: string;
  readonly logLevel: DeploySettings['logLevel'];
  /** Every function learns the table's name; only `tableActions` grant access to it. */
  readonly table: ITable;
}

export interface ItsmFunctionProps {
  readonly defaults: FunctionDefaults;
  /** The handler module, relative to the repository root; it must export `handler`. */
  readonly entry: string;
  readonly description: string;
  /** POWERTOOLS_SERVICE_NAME: the process area the function belongs to. */
  readonly serviceName: string;
  /** Exactly the DynamoDB actions the function needs; none by default. */
  readonly tableActions?: readonly TableAction[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
}

/**
 * The one way this project defines a Lambda function: Node.js 24 on ARM, X-Ray tracing, an
 * explicit log group kept one month, and a minified ESM bundle that leaves the AWS SDK to the
 * runtime (it is there already, and bundling it doubled sizes and cold starts). Its role
 * starts empty apart from writing its own logs; callers grant the rest.
 */
export class ItsmFunction extends NodejsFunction {
  /** Always set (Lambda's own type leaves it optional): queues size their visibility on it. */
  declare readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: ItsmFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of the default one, which would carry the AWSLambdaBasicExecutionRole
    // managed policy (log writes to any log group).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: `${PROJECT_ROOT}${props.entry}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      // CPU scales with memory; 1 GB keeps cold starts short.
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        [TABLE_NAME_ENV]: props.defaults.table.tableName,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: `itsm-${props.defaults.stage}`,
        LOG_LEVEL: props.defaults.logLevel,
        // Stack traces from the minified bundle point at the TypeScript sources.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // Synth (and so every `npm start` and API test run) stays quiet unless something is wrong.
        logLevel: LogLevel.WARNING,
        sourcesContent: false,
        // The Node.js runtime provides the AWS SDK v3 (CDK's default). Bundling the DynamoDB
        // clients would add about 340 KB to every bundle (the budget is 400 KB) to import them
        // some 20 ms faster (measured on the development machine).
        bundleAwsSDK: false,
        // ElectroDB's model check, re-run at every cold start, is left to the tests (see the file).
        esbuildArgs: {
          '--alias': `jsonschema=${PROJECT_ROOT}infra/bundling/jsonschema-accept-all.cjs`,
        },
        // CommonJS dependencies bundled into ESM still call require().
        banner:
          "import { createRequire as __itsmCreateRequire } from 'node:module'; const require = __itsmCreateRequire(import.meta.url);",
      },
    });

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
    });

    if (props.tableActions?.length) {
      grantTableActions(role, props.defaults.table, props.tableActions);
    }
  }
}

/** Item actions on the table itself; Query also on each index, named rather than wildcarded. */
function grantTableActions(role: Role, table: ITable, actions: readonly TableAction[]): void {
  const itemActions = actions.filter((action) => action !== 'Query');
  if (itemActions.length) {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: itemActions.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
      }),
    );
  }
  if (actions.includes('Query')) {
    const indexArns = Object.keys(TABLE_INDEXES).map(
      (indexName) => `${table.tableArn}/index/${indexName}`,
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [table.tableArn, ...indexArns],
      }),
    );
  }
}
