import { ChangeApprovalReminderDue } from './change-approvals';
import {
  ChangeApproved,
  ChangeCreated,
  ChangeRejected,
  ChangeStateChanged,
  ChangeSubmittedForAuthorization,
  ChangeUpdated,
} from './changes';
import { CiCreated, CiRelationshipAdded, CiRelationshipRemoved, CiUpdated } from './cmdb';
import type { EventContract } from './envelope';
import {
  IncidentAssigned,
  IncidentCommented,
  IncidentCreated,
  IncidentStateChanged,
  IncidentUpdated,
} from './incidents';
import {
  ProblemCreated,
  ProblemIncidentsLinked,
  ProblemIncidentsUnlinked,
  ProblemStateChanged,
  ProblemUpdated,
  ProblemWorkaroundCommunicated,
} from './problems';

export * from './change-approvals';
export * from './changes';
export * from './cmdb';
export * from './envelope';
export * from './incidents';
export * from './problems';

/**
 * Every event the system publishes. Publishers build details from these contracts; the CDK
 * rules take their `source` and `detail-type` patterns from them, so the two cannot drift.
 */
export const EVENT_CATALOG = {
  IncidentCreated,
  IncidentUpdated,
  IncidentStateChanged,
  IncidentAssigned,
  IncidentCommented,
  CiCreated,
  CiUpdated,
  CiRelationshipAdded,
  CiRelationshipRemoved,
  ProblemCreated,
  ProblemUpdated,
  ProblemStateChanged,
  ProblemIncidentsLinked,
  ProblemIncidentsUnlinked,
  ProblemWorkaroundCommunicated,
  ChangeCreated,
  ChangeUpdated,
  ChangeStateChanged,
  ChangeSubmittedForAuthorization,
  ChangeApproved,
  ChangeRejected,
  ChangeApprovalReminderDue,
} as const satisfies Record<string, EventContract>;

export type EventName = keyof typeof EVENT_CATALOG;

export function contractFor(detailType: string): EventContract | undefined {
  return (EVENT_CATALOG as Record<string, EventContract>)[detailType];
}
