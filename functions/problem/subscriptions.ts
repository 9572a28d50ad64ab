import { ChangeStateChanged } from '../../shared/events/changes';
import {
  IncidentCreated,
  IncidentStateChanged,
  IncidentUpdated,
} from '../../shared/events/incidents';

/**
 * The incident events problem detection consumes (each carries the incident after the change:
 * a new incident, a changed CI, a cancellation). The CDK rule and the consumer share this list.
 */
export const DETECTION_EVENTS = [IncidentCreated, IncidentUpdated, IncidentStateChanged] as const;

/** The change states whose end a linked problem follows (shared/domain/change-follow-up.ts). */
export const FOLLOWED_CHANGE_STATES = ['Closed', 'Canceled'] as const;

/** The change events the problem area follows, with the rule's condition on `detail`. */
export const CHANGE_FOLLOW_UP = {
  events: [ChangeStateChanged],
  detail: { data: { to: [...FOLLOWED_CHANGE_STATES] } },
} as const;
