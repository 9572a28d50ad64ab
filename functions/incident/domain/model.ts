import type { Principal } from '../../../shared/auth';
import type { PriorityMatrix } from '../../../shared/domain/priority';
import { revisionsOf } from '../../../shared/domain/revision';
import {
  type Channel,
  type FieldChange,
  type HoldReason,
  type IncidentSnapshot,
  IncidentSnapshotSchema,
  type IncidentState,
  isOpenIncidentState,
  OpenIncidentStates,
  type ResolutionCode,
} from '../../../shared/events/incidents';

export { isBlank, withoutUndefined } from '../../../shared/domain/values';

/** The incident aggregate is exactly the published snapshot: no hidden internal state. */
export type Incident = IncidentSnapshot;

export interface DomainContext {
  /** ISO-8601 instant; the domain never reads a clock. */
  now: string;
  actor: Principal;
}

export type PriorityContext = DomainContext & { priorityMatrix: PriorityMatrix };

export interface NewIncidentInput {
  shortDescription: string;
  description?: string;
  caller?: string;
  category?: string;
  impact?: number;
  urgency?: number;
  configurationItem?: string;
  assignmentGroup?: string;
  assignee?: string;
  channel?: Channel;
  parentId?: string;
}

/** A PATCH body: absent leaves a field alone, `null` clears an optional field. */
export type IncidentPatch = {
  shortDescription?: string;
  description?: string | null;
  category?: string | null;
  impact?: number;
  urgency?: number;
  caller?: string;
  configurationItem?: string | null;
  assignmentGroup?: string | null;
  assignee?: string | null;
  channel?: Channel;
};

export const IncidentPatchFields = [
  'shortDescription',
  'description',
  'category',
  'impact',
  'urgency',
  'caller',
  'configurationItem',
  'assignmentGroup',
  'assignee',
  'channel',
] as const satisfies readonly (keyof IncidentPatch)[];

export const IncidentActions = [
  'start',
  'hold',
  'resume',
  'resolve',
  'close',
  'reopen',
  'cancel',
] as const;
export type IncidentAction = (typeof IncidentActions)[number];

export type TransitionCommand =
  | { action: 'start' }
  | { action: 'hold'; holdReason: HoldReason; comment?: string }
  | { action: 'resume' }
  | { action: 'resolve'; resolutionCode: ResolutionCode; resolutionNotes: string }
  | { action: 'close' }
  | { action: 'reopen'; comment?: string }
  | { action: 'cancel'; comment?: string };

export const OpenStates = OpenIncidentStates;
export const isOpen = isOpenIncidentState;
export const FinalStates = ['Closed', 'Canceled'] as const satisfies IncidentState[];

export function isFinal(state: IncidentState): boolean {
  return (FinalStates as readonly IncidentState[]).includes(state);
}

const incidentRevisions = revisionsOf<Incident>(IncidentSnapshotSchema);

/** Field-level differences for the audit history. */
export const diffIncidents = incidentRevisions.diff;

/** Applies `fields` as a new version of the incident, with the changes they make. */
export function revise(
  incident: Incident,
  fields: Partial<Incident>,
  now: string,
): { incident: Incident; changes: FieldChange[] } {
  const { revised, changes } = incidentRevisions.revise(incident, fields, now);
  return { incident: revised, changes };
}
