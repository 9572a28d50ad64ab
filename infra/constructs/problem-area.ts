import { Construct } from 'constructs';
import { PROBLEM_ROUTES } from '../../functions/problem/routes';
import type { DeploySettings } from '../settings';
import type { ItsmHttpApi } from './http-api';
import { type FunctionDefaults, ItsmFunction, type TableAction } from './itsm-function';

export interface ProblemAreaProps {
  readonly defaults: FunctionDefaults;
  readonly settings: Pick<DeploySettings, 'priorityMatrix'>;
  readonly api: ItsmHttpApi;
}

const SERVICE_NAME = 'problems';

/**
 * Reads (BatchGetItem for links and the incidents they name), transactional writes of
 * problems, their journal, links and outbox, the number counter (UpdateItem), and the deletion
 * of links when incidents are unlinked.
 */
const PROBLEM_TABLE_ACTIONS: readonly TableAction[] = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'ConditionCheckItem',
];

/** The problem management process area: its API (detection and follow-ups consume events). */
export class ProblemArea extends Construct {
  readonly apiFunction: ItsmFunction;

  constructor(scope: Construct, id: string, props: ProblemAreaProps) {
    super(scope, id);
    this.apiFunction = new ItsmFunction(this, 'Api', {
      defaults: props.defaults,
      entry: 'functions/problem/api.ts',
      description: 'Problem API (HTTP API payload v2).',
      serviceName: SERVICE_NAME,
      tableActions: PROBLEM_TABLE_ACTIONS,
      environment: { PRIORITY_MATRIX: JSON.stringify(props.settings.priorityMatrix) },
    });
    props.api.addAuthenticatedRoutes(PROBLEM_ROUTES, this.apiFunction);
  }
}
