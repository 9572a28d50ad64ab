import { Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { PROBLEM_ROUTES } from '../../functions/problem/routes';
import { CHANGE_FOLLOW_UP, DETECTION_EVENTS } from '../../functions/problem/subscriptions';
import type { DeploySettings } from '../settings';
import type { DeadLetterQueuesByConsumer } from './dead-letter-queues';
import { EventConsumer } from './event-consumer';
import type { ItsmHttpApi } from './http-api';
import { type FunctionDefaults, ItsmFunction, type TableAction } from './itsm-function';

export interface ProblemAreaProps {
  readonly defaults: FunctionDefaults;
  readonly settings: Pick<DeploySettings, 'priorityMatrix' | 'problemDetection'>;
  readonly api: ItsmHttpApi;
  readonly eventBus: IEventBus;
  readonly deadLetterQueues: DeadLetterQueuesByConsumer;
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

/** Consumer timeout; the queue hides a message for six times as long (AWS advice). */
const DETECTION_TIMEOUT = Duration.seconds(30);

/**
 * The problem management process area: its API, and problem detection, which consumes the
 * incident events (the incident area follows the problems' events in turn).
 */
export class ProblemArea extends Construct {
  readonly apiFunction: ItsmFunction;
  readonly detectionFunction: ItsmFunction;
  readonly detection: EventConsumer;
  readonly changeFollowUpFunction: ItsmFunction;
  readonly changeFollowUp: EventConsumer;

  constructor(scope: Construct, id: string, props: ProblemAreaProps) {
    super(scope, id);
    const common = {
      defaults: props.defaults,
      serviceName: SERVICE_NAME,
      tableActions: PROBLEM_TABLE_ACTIONS,
      environment: {
        PRIORITY_MATRIX: JSON.stringify(props.settings.priorityMatrix),
        DETECTION_THRESHOLD: String(props.settings.problemDetection.threshold),
        DETECTION_WINDOW_HOURS: String(props.settings.problemDetection.windowHours),
        DETECTION_MAX_DEPTH: String(props.settings.problemDetection.maxDepth),
      },
    };
    this.apiFunction = new ItsmFunction(this, 'Api', {
      ...common,
      entry: 'functions/problem/api.ts',
      description: 'Problem API (HTTP API payload v2).',
    });
    props.api.addAuthenticatedRoutes(PROBLEM_ROUTES, this.apiFunction);

    this.detectionFunction = new ItsmFunction(this, 'Detection', {
      ...common,
      entry: 'functions/problem/detection-consumer.ts',
      description: 'Problem detection: incidents accumulating on CIs behind one CI.',
      timeout: DETECTION_TIMEOUT,
    });
    this.detection = new EventConsumer(this, 'DetectionConsumer', {
      description: 'Incident events, for problem detection.',
      eventBus: props.eventBus,
      events: DETECTION_EVENTS,
      handler: this.detectionFunction,
      deadLetterQueue: props.deadLetterQueues.ProblemsDetection,
    });

    this.changeFollowUpFunction = new ItsmFunction(this, 'ChangeFollowUp', {
      ...common,
      entry: 'functions/problem/change-follow-up.ts',
      description: 'Resolves the problems a successfully closed change fixed, or notes them.',
      timeout: DETECTION_TIMEOUT,
    });
    this.changeFollowUp = new EventConsumer(this, 'ChangeFollowUpConsumer', {
      description: 'Changes that ended, for the problems linked to them.',
      eventBus: props.eventBus,
      events: CHANGE_FOLLOW_UP.events,
      detail: CHANGE_FOLLOW_UP.detail,
      handler: this.changeFollowUpFunction,
      deadLetterQueue: props.deadLetterQueues.ProblemsChangeFollowUp,
    });
  }
}
