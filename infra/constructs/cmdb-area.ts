import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CMDB_ROUTES } from '../../functions/cmdb/routes';
import type { ItsmHttpApi } from './http-api';
import { type FunctionDefaults, ItsmFunction, type TableAction } from './itsm-function';

export interface CmdbAreaProps {
  readonly defaults: FunctionDefaults;
  readonly api: ItsmHttpApi;
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

/** The configuration management process area: the CMDB API, AWS Config import included. */
export class CmdbArea extends Construct {
  readonly apiFunction: ItsmFunction;

  constructor(scope: Construct, id: string, props: CmdbAreaProps) {
    super(scope, id);
    this.apiFunction = new ItsmFunction(this, 'Api', {
      defaults: props.defaults,
      entry: 'functions/cmdb/api.ts',
      description: 'CMDB API (HTTP API payload v2): CIs, relationships, impact, import.',
      serviceName: 'cmdb',
      tableActions: CMDB_TABLE_ACTIONS,
      // An import of 100 items takes a few round trips each; API Gateway gives up at 30 s.
      timeout: Duration.seconds(29),
    });
    props.api.addAuthenticatedRoutes(CMDB_ROUTES, this.apiFunction);
  }
}
