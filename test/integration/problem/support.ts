import { Service } from 'electrodb';
import { createIncident, transitionIncident } from '../../../functions/incident/use-cases';
import type { NewProblemInput, Problem } from '../../../functions/problem/domain';
import { getProblem } from '../../../functions/problem/repository';
import { createProblem, transitionProblem } from '../../../functions/problem/use-cases';
import { type Principal, Scopes } from '../../../shared/auth';
import { documentClient } from '../../../shared/db/client';
import { outboxEntity } from '../../../shared/db/entities';
import { type EventContract, eventIdFor } from '../../../shared/events/envelope';
import { PROBLEM_AGGREGATE } from '../../../shared/events/problems';
import type * as z from '../../../shared/zod';
import { ctx } from '../incident/support';

export { aConfigurationItem, admin, agent, ctx, requesterPrincipal } from '../incident/support';

export const readingClient: Principal = {
  id: 'problem-reporting',
  kind: 'client',
  role: undefined,
  scopes: new Set([Scopes.problemsRead]),
};

export const writingClient: Principal = {
  id: 'problem-integration',
  kind: 'client',
  role: undefined,
  scopes: new Set([Scopes.problemsWrite]),
};

export const newProblem = (overrides: Partial<NewProblemInput> = {}): NewProblemInput => ({
  shortDescription: 'Mail relay drops messages',
  impact: 2,
  urgency: 2,
  assignmentGroup: 'problem-management',
  assignee: 'alice',
  ...overrides,
});

/** A problem brought to `state` through the use cases, as an agent would. */
export async function aProblem(
  state: 'New' | 'Assess' | 'Root Cause Analysis' | 'Fix in Progress' | 'Resolved' = 'New',
  overrides: Partial<NewProblemInput> = {},
): Promise<Problem> {
  let { problem } = await createProblem(newProblem(overrides), ctx());
  const steps = [
    { action: 'assess' },
    { action: 'analyse' },
    { action: 'fix', rootCause: 'The relay queue disk fills up' },
    { action: 'resolve', resolutionCode: 'Fix Applied', resolutionNotes: 'Disk doubled' },
  ] as const;
  for (const step of steps) {
    if (problem.state === state) break;
    problem = await transitionProblem(problem.id, step, ctx());
  }
  return problem;
}

export type IncidentSituation =
  | 'New'
  | 'In Progress'
  | 'Awaiting Problem'
  | 'Resolved'
  | 'Closed'
  | 'Canceled';

/** An incident in the given state (On Hold for 'Awaiting Problem'), through its own use cases. */
export async function anIncident(situation: IncidentSituation = 'New') {
  const { incident } = await createIncident(
    { shortDescription: 'Mail is not delivered', impact: 2, urgency: 2, assignmentGroup: 'mail' },
    ctx(),
  );
  const resolve = {
    action: 'resolve',
    resolutionCode: 'Solved Remotely',
    resolutionNotes: 'Restarted the relay',
  } as const;
  switch (situation) {
    case 'New':
      return incident;
    case 'Canceled':
      return transitionIncident(incident.id, { action: 'cancel' }, ctx());
    case 'In Progress':
      return transitionIncident(incident.id, { action: 'start' }, ctx());
    case 'Awaiting Problem':
      await transitionIncident(incident.id, { action: 'start' }, ctx());
      return transitionIncident(
        incident.id,
        { action: 'hold', holdReason: 'Awaiting Problem' },
        ctx(),
      );
    case 'Resolved':
      return transitionIncident(incident.id, resolve, ctx());
    case 'Closed':
      await transitionIncident(incident.id, resolve, ctx());
      return transitionIncident(incident.id, { action: 'close' }, ctx());
  }
}

const outbox = new Service(
  { outbox: outboxEntity },
  { client: documentClient, table: process.env.TABLE_NAME },
).entities.outbox;

export interface PublishedEvent {
  detailType: string;
  sequence: number;
  detail: unknown;
}

/**
 * The outbox events of a problem, in sequence order. Event ids are `problem/<id>/<sequence>`,
 * so they are read by key up to a few sequences past the problem's own count: an event
 * written beyond it would show up too.
 */
export async function problemEvents(problemId: string): Promise<PublishedEvent[]> {
  const stored = await getProblem(problemId);
  const last = (stored?.eventSequence ?? 0) + 3;
  const keys = Array.from({ length: last }, (_, index) => ({
    eventId: eventIdFor(PROBLEM_AGGREGATE, problemId, index + 1),
  }));
  const { data } = await outbox.get(keys).go({ consistent: true });
  return data
    .map((item) => {
      const detail = JSON.parse(item.detail) as { metadata: { sequence: number } };
      return { detailType: item.detailType, sequence: detail.metadata.sequence, detail };
    })
    .sort((a, b) => a.sequence - b.sequence);
}

export const detailTypes = (events: readonly PublishedEvent[]) =>
  events.map((event) => event.detailType);

/** The data of the events of one contract, checked against the contract's schema. */
export function dataOf<C extends EventContract>(
  events: readonly PublishedEvent[],
  contract: C,
): z.output<C['data']>[] {
  return events
    .filter((event) => event.detailType === contract.detailType)
    .map((event) => contract.detail.parse(event.detail).data as z.output<C['data']>);
}
