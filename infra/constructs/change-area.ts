import { Construct } from 'constructs';
import { CHANGE_API_ROUTES } from '../../functions/change/routes';
import { type ChangeManagementSettings, changeEnvironment } from '../../functions/change/settings';
import type { ItsmHttpApi } from './http-api';
import { type FunctionDefaults, ItsmFunction, type TableAction } from './itsm-function';

export interface ChangeAreaProps {
  readonly defaults: FunctionDefaults;
  /** Approvers, approval policies, business hours, maintenance windows, impact depth. */
  readonly settings: { readonly changeManagement: ChangeManagementSettings };
  readonly api: ItsmHttpApi;
}

const SERVICE_NAME = 'changes';

/**
 * Reads (BatchGetItem for CIs, the impact walk, linked incidents and problems, changes listed
 * by CI), transactional writes of changes with their journal, CI records and outbox, the
 * number counter (UpdateItem), templates, and the deletion of blackout windows and of the CI
 * records of CIs a change no longer affects.
 */
const CHANGE_TABLE_ACTIONS: readonly TableAction[] = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
];

/**
 * The change management process area's API: changes, standard change templates and blackout
 * windows, conflicts and the calendar, releases and the pipeline gate. One function: a second
 * one for releases and the gate would bundle the same libraries (ElectroDB, zod mini and
 * Powertools are about 270 KB of the 372 KB) and most of the change code, so neither would get
 * much smaller. The approval workflow, which starts from the changes' events, is a construct of
 * its own.
 */
export class ChangeArea extends Construct {
  readonly apiFunction: ItsmFunction;

  constructor(scope: Construct, id: string, props: ChangeAreaProps) {
    super(scope, id);
    this.apiFunction = new ItsmFunction(this, 'Api', {
      defaults: props.defaults,
      serviceName: SERVICE_NAME,
      tableActions: CHANGE_TABLE_ACTIONS,
      environment: changeEnvironment(props.settings.changeManagement),
      entry: 'functions/change/api.ts',
      description: 'Change API (HTTP API payload v2).',
    });
    props.api.addAuthenticatedRoutes(CHANGE_API_ROUTES, this.apiFunction);
  }
}
