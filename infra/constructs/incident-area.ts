import { Duration } from 'aws-cdk-lib';
import { type IEventBus, Match, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { INCIDENT_ROUTES } from '../../functions/incident/routes';
import { FOLLOWED_PROBLEM_ACTIONS } from '../../shared/domain/problem-follow-up';
import {
  IncidentStateChanged,
  ProblemStateChanged,
  ProblemWorkaroundCommunicated,
} from '../../shared/events/catalog';
import type { DeploySettings } from '../settings';
import type { DeadLetterQueuesByConsumer } from './dead-letter-queues';
import { EventConsumer } from './event-consumer';
import type { ItsmHttpApi } from './http-api';
import { type FunctionDefaults, ItsmFunction, type TableAction } from './itsm-function';

export interface IncidentAreaProps {
  readonly defaults: FunctionDefaults;
  readonly settings: Pick<DeploySettings, 'priorityMatrix' | 'autoCloseAfterHours'>;
  readonly eventBus: IEventBus;
  readonly api: ItsmHttpApi;
  readonly deadLetterQueues: DeadLetterQueuesByConsumer;
}

const SERVICE_NAME = 'incidents';

/**
 * Reads and writes (transactions included) of incidents, their history, comments, outbox
 * and idempotency items. Nothing is deleted: outbox and idempotency items expire by TTL.
 */
const INCIDENT_TABLE_ACTIONS: readonly TableAction[] = [
  'GetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'ConditionCheckItem',
];

/** Parent-sync function timeout; the queue hides a message for six times as long (AWS advice). */
const PARENT_SYNC_TIMEOUT = Duration.seconds(30);

/** Longer than parent sync's: a problem may have many more linked incidents than children. */
const PROBLEM_FOLLOW_UP_TIMEOUT = Duration.minutes(1);

/**
 * The incident management process area: its API, the schedule that closes resolved
 * incidents, the consumer that carries a parent's state over to its child incidents, and the
 * one that applies problem state changes and workarounds to linked incidents.
 */
export class IncidentArea extends Construct {
  readonly apiFunction: ItsmFunction;
  readonly autoCloseFunction: ItsmFunction;
  readonly parentSyncFunction: ItsmFunction;
  readonly parentSync: EventConsumer;
  readonly problemFollowUpFunction: ItsmFunction;
  readonly problemFollowUp: EventConsumer;

  constructor(scope: Construct, id: string, props: IncidentAreaProps) {
    super(scope, id);
    const common = {
      defaults: props.defaults,
      serviceName: SERVICE_NAME,
      tableActions: INCIDENT_TABLE_ACTIONS,
      environment: {
        PRIORITY_MATRIX: JSON.stringify(props.settings.priorityMatrix),
        AUTO_CLOSE_AFTER_HOURS: String(props.settings.autoCloseAfterHours),
      },
    };

    this.apiFunction = new ItsmFunction(this, 'Api', {
      ...common,
      entry: 'functions/incident/api.ts',
      description: 'Incident API (HTTP API payload v2).',
    });
    props.api.addAuthenticatedRoutes(INCIDENT_ROUTES, this.apiFunction);

    this.autoCloseFunction = new ItsmFunction(this, 'AutoClose', {
      ...common,
      entry: 'functions/incident/auto-close.ts',
      description: 'Closes incidents resolved longer than AUTO_CLOSE_AFTER_HOURS ago.',
      // Well below the schedule's interval, so that runs do not overlap.
      timeout: Duration.minutes(5),
    });
    // Schedules only run on the default bus.
    new Rule(this, 'AutoCloseSchedule', {
      description: 'Runs the incident auto-close every 15 minutes.',
      schedule: Schedule.rate(Duration.minutes(15)),
      // A missed run is caught up by the next one.
      targets: [new LambdaFunction(this.autoCloseFunction, { retryAttempts: 2 })],
    });

    this.parentSyncFunction = new ItsmFunction(this, 'ParentSync', {
      ...common,
      entry: 'functions/incident/parent-sync.ts',
      description: 'Carries a parent incident state change over to its children.',
      timeout: PARENT_SYNC_TIMEOUT,
    });
    this.parentSync = new EventConsumer(this, 'ParentSyncConsumer', {
      description: 'State changes of incidents that have children.',
      eventBus: props.eventBus,
      events: [IncidentStateChanged],
      detail: { data: { incident: { childCount: Match.greaterThan(0) } } },
      handler: this.parentSyncFunction,
      deadLetterQueue: props.deadLetterQueues.IncidentsParentSync,
    });

    this.problemFollowUpFunction = new ItsmFunction(this, 'ProblemFollowUp', {
      ...common,
      entry: 'functions/incident/problem-follow-up.ts',
      description: 'Applies problem state changes and workarounds to the linked incidents.',
      timeout: PROBLEM_FOLLOW_UP_TIMEOUT,
    });
    this.problemFollowUp = new EventConsumer(this, 'ProblemFollowUpConsumer', {
      description: 'Problem state changes with follow-ups on incidents; communicated workarounds.',
      eventBus: props.eventBus,
      events: [ProblemStateChanged, ProblemWorkaroundCommunicated],
      // Every workaround, but only the state changes that have follow-ups.
      detail: {
        $or: [
          { metadata: { eventType: [ProblemWorkaroundCommunicated.detailType] } },
          { data: { action: [...FOLLOWED_PROBLEM_ACTIONS] } },
        ],
      },
      handler: this.problemFollowUpFunction,
      deadLetterQueue: props.deadLetterQueues.IncidentsProblemFollowUp,
    });
  }
}
