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
