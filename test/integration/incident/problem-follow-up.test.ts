import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { Service } from 'electrodb';
import { describe, expect, it } from 'vitest';
import { handler } from '../../../functions/incident/problem-follow-up';
import {
  createIncident,
  getIncidentForPrincipal,
  listIncidentComments,
  listIncidentHistory,
  transitionIncident,
} from '../../../functions/incident/use-cases';
import { problemEntity } from '../../../functions/problem/entities';
import { documentClient } from '../../../shared/db/client';
import { idempotencyEntity } from '../../../shared/db/entities';
import { problemIncidentLinkEntity } from '../../../shared/db/problem-links';
import type { EventContract } from '../../../shared/events/catalog';
import { domainEvent } from '../../../shared/events/domain-event';
import {
  type ProblemSnapshot,
  ProblemStateChanged,
  ProblemWorkaroundCommunicated,
} from '../../../shared/events/problems';
import { agent, ctx, outboxEventsOf } from './support';

const {
  link: links,
  claim: claims,
  problem: problems,
} = new Service(
  { link: problemIncidentLinkEntity, claim: idempotencyEntity, problem: problemEntity },
  { client: documentClient, table: process.env.TABLE_NAME },
).entities;

const lambdaContext = {
  functionName: 'incident-problem-follow-up',
  awsRequestId: 'request-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:follow-up',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const base = {
  shortDescription: 'Mail is not delivered',
  impact: 2,
  urgency: 2,
  assignmentGroup: 'mail',
};

async function anIncident(
  state: 'New' | 'In Progress' | 'Awaiting Problem' | 'Awaiting Vendor' | 'Resolved',
) {
  const { incident } = await createIncident(base, ctx());
  if (state === 'New') return incident;
  await transitionIncident(incident.id, { action: 'start' }, ctx());
  if (state === 'Awaiting Problem' || state === 'Awaiting Vendor') {
    return transitionIncident(incident.id, { action: 'hold', holdReason: state }, ctx());
  }
  if (state === 'Resolved') {
    return transitionIncident(
      incident.id,
      { action: 'resolve', resolutionCode: 'Solved Remotely', resolutionNotes: 'Restarted' },
      ctx(),
    );
  }
  return getIncidentForPrincipal(incident.id, agent);
}

function aProblem(overrides: Partial<ProblemSnapshot> = {}): ProblemSnapshot {
  const now = new Date().toISOString();
  return {
    id: crypto.randomUUID(),
    // Far above the numbers the counter hands out: other test files look problems up by number.
    number: 'PRB9000001',
    shortDescription: 'Mail relay drops messages',
    impact: 2,
    urgency: 2,
    priority: 3,
    state: 'Resolved',
    knownError: true,
    rootCause: 'Queue disk full',
    workaround: 'Purge the deferred queue',
    linkedIncidentCount: 0,
    source: 'manual',
    openedBy: agent.id,
    createdAt: now,
    updatedAt: now,
    resolvedAt: now,
    version: 7,
    ...overrides,
  };
}

/** Stores the problem as the problem area would, the follow-up reads it; links incidents. */
async function link(problem: ProblemSnapshot, incidentIds: string[]) {
  await problems.put({ ...problem, eventSequence: problem.version }).go();
  for (const incidentId of incidentIds) {
    await links
      .create({
        problemId: problem.id,
        incidentId,
        linkedAt: new Date().toISOString(),
        linkedBy: agent.id,
      })
      .go();
  }
}

/** An SQS record as the consumer's queue delivers it: the EventBridge event around the detail. */
function recordOf<C extends EventContract>(
  contract: C,
  problem: ProblemSnapshot,
  data: Parameters<typeof domainEvent<C>>[2],
): SQSRecord {
  const event = domainEvent(
    contract,
    {
      aggregateId: problem.id,
      sequence: problem.version,
      actor: { id: agent.id, kind: 'user', role: 'agent' },
      occurredAt: new Date().toISOString(),
    },
    data,
  );
  return sqsRecord(
    JSON.stringify({
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': event.detailType,
      source: event.source,
      account: '111122223333',
      time: event.occurredAt,
      region: 'eu-west-1',
      resources: [],
      detail: JSON.parse(event.detail),
    }),
  );
}

function sqsRecord(body: string): SQSRecord {
  return {
    messageId: crypto.randomUUID(),
    receiptHandle: 'receipt',
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'events.amazonaws.com',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:problem-follow-up',
    awsRegion: 'eu-west-1',
  };
}

function deliver(...records: SQSRecord[]) {
  const event: SQSEvent = { Records: records };
  return handler(event, lambdaContext);
}

function resolvedWith(resolutionCode: 'Fix Applied' | 'Risk Accepted', resolutionNotes: string) {
  return aProblem({ resolutionCode, resolutionNotes });
}

function stateChanged(problem: ProblemSnapshot, action = 'resolve') {
  return recordOf(ProblemStateChanged, problem, {
    problem,
    action,
    from: 'Fix in Progress',
    to: problem.state,
  });
}

async function commentsOf(incidentId: string) {
  return (await listIncidentComments(incidentId, { limit: 100, cursor: null }, agent)).items;
}

async function historyOf(incidentId: string) {
  return (await listIncidentHistory(incidentId, { limit: 100, cursor: null }, agent)).items;
}

describe('incidents follow their problems', () => {
  it('resolves the incidents awaiting a problem fixed, and notes the other open ones', async () => {
    const awaiting = await anIncident('Awaiting Problem');
    const inProgress = await anIncident('In Progress');
    const onHoldForVendor = await anIncident('Awaiting Vendor');
    const resolved = await anIncident('Resolved');
    const problem = resolvedWith('Fix Applied', 'Moved the queue to a larger disk');
    const vanished = crypto.randomUUID();
    await link(problem, [awaiting.id, inProgress.id, onHoldForVendor.id, resolved.id, vanished]);

    expect(await deliver(stateChanged(problem))).toEqual({ batchItemFailures: [] });

    expect(await getIncidentForPrincipal(awaiting.id, agent)).toMatchObject({
      state: 'Resolved',
      resolutionCode: 'Resolved by Problem',
      resolutionNotes: 'Fixed by PRB9000001: Moved the queue to a larger disk',
      version: awaiting.version + 1,
    });
    expect((await historyOf(awaiting.id)).at(-1)).toMatchObject({
      action: 'resolve (problem PRB9000001)',
      actor: { id: 'system', kind: 'system' },
    });
    expect((await outboxEventsOf(awaiting.id)).at(-1)).toMatchObject({
      detailType: 'IncidentStateChanged',
      detail: { data: { action: 'resolve', from: 'On Hold', to: 'Resolved' } },
    });
    expect(await commentsOf(awaiting.id)).toEqual([]);

    for (const open of [inProgress, onHoldForVendor]) {
      const after = await getIncidentForPrincipal(open.id, agent);
      expect(after).toMatchObject({ state: open.state, version: open.version + 1 });
      expect(await commentsOf(open.id)).toEqual([
        expect.objectContaining({
          visibility: 'internal',
          author: 'system',
          body: 'PRB9000001 was resolved with a fix applied: Moved the queue to a larger disk. Check whether it solves this incident too.',
        }),
      ]);
      expect((await historyOf(open.id)).at(-1)).toMatchObject({
        action: 'work-note',
        actor: { kind: 'system' },
      });
      expect((await outboxEventsOf(open.id)).at(-1)).toMatchObject({
        detailType: 'IncidentCommented',
      });
    }
    expect(await getIncidentForPrincipal(resolved.id, agent)).toEqual(resolved);
  });

  it('only notes the open incidents, awaiting ones included, when the risk is accepted', async () => {
    const awaiting = await anIncident('Awaiting Problem');
    const fresh = await anIncident('New');
    const problem = resolvedWith('Risk Accepted', 'The relay retires soon');
    await link(problem, [awaiting.id, fresh.id]);

    expect(await deliver(stateChanged(problem))).toEqual({ batchItemFailures: [] });

    for (const open of [awaiting, fresh]) {
      expect(await getIncidentForPrincipal(open.id, agent)).toMatchObject({
        state: open.state,
        version: open.version + 1,
      });
      expect((await commentsOf(open.id)).map((comment) => comment.body)).toEqual([
        'PRB9000001 was resolved with the risk accepted; no fix will follow: The relay retires soon. Workaround: Purge the deferred queue',
      ]);
    }
  });

  it('changes nothing when a state change is delivered again', async () => {
    const awaiting = await anIncident('Awaiting Problem');
    const inProgress = await anIncident('In Progress');
    const problem = resolvedWith('Fix Applied', 'Patched the relay');
    await link(problem, [awaiting.id, inProgress.id]);
    const batch = stateChanged(problem);

    await deliver(batch);
    const once = await Promise.all(
      [awaiting, inProgress].map((each) => getIncidentForPrincipal(each.id, agent)),
    );
    expect(await deliver(batch)).toEqual({ batchItemFailures: [] });

    for (const incident of once) {
      expect(await getIncidentForPrincipal(incident.id, agent)).toEqual(incident);
    }
    expect(await commentsOf(inProgress.id)).toHaveLength(1);
  });

  it('follows the problem as it is now, not as a late event describes it', async () => {
    const awaiting = await anIncident('Awaiting Problem');
    const problem = resolvedWith('Fix Applied', 'Patched the relay');
    await link(problem, [awaiting.id]);
    const store = (now: ProblemSnapshot) =>
      problems.put({ ...now, eventSequence: now.version }).go();

    // Reanalysed before the resolve event arrived (or before it was redriven): nothing.
    await store({ ...problem, state: 'Root Cause Analysis' });
    expect(await deliver(stateChanged(problem))).toEqual({ batchItemFailures: [] });
    expect(await getIncidentForPrincipal(awaiting.id, agent)).toEqual(awaiting);

    // Resolved again, with other notes, before the first event's redelivery: those notes.
    await store({ ...problem, resolutionNotes: 'Replaced the relay' });
    expect(await deliver(stateChanged(problem))).toEqual({ batchItemFailures: [] });
    expect(await getIncidentForPrincipal(awaiting.id, agent)).toMatchObject({
      state: 'Resolved',
      resolutionNotes: 'Fixed by PRB9000001: Replaced the relay',
    });
  });

  it('writes each workaround note once, however often and concurrently it is delivered', async () => {
    const awaiting = await anIncident('Awaiting Problem');
    const fresh = await anIncident('New');
    const resolvedSince = await anIncident('Resolved');
    const problem = aProblem({ state: 'Root Cause Analysis', resolvedAt: undefined });
    const notes = [awaiting, fresh, resolvedSince].map((incident) => ({
      incidentId: incident.id,
      commentId: `workaround-${incident.id}`,
      body: 'Workaround from PRB9000001: Purge the deferred queue',
    }));
    const record = recordOf(ProblemWorkaroundCommunicated, problem, { problem, notes });

    // Concurrent deliveries race for the claims; a later one finds them.
    const concurrently = await Promise.all([deliver(record, record), deliver(record)]);
    expect(concurrently).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(await deliver(record)).toEqual({ batchItemFailures: [] });

    for (const open of [awaiting, fresh]) {
      expect(await commentsOf(open.id)).toEqual([
        expect.objectContaining({
          id: `workaround-${open.id}`,
          visibility: 'internal',
          body: 'Workaround from PRB9000001: Purge the deferred queue',
        }),
      ]);
      const history = await historyOf(open.id);
      expect(history.filter((entry) => entry.action === 'work-note')).toHaveLength(1);
      expect(await getIncidentForPrincipal(open.id, agent)).toMatchObject({
        state: open.state,
        version: open.version + 1,
      });
      const commented = (await outboxEventsOf(open.id)).filter(
        (event) => event.detailType === 'IncidentCommented',
      );
      expect(commented).toHaveLength(1);
      // The note's claim is kept: a redelivery days later still finds it.
      const { data: claim } = await claims
        .get({ scope: `incident-work-note:${open.id}`, key: `workaround-${open.id}` })
        .go();
      expect(claim).toMatchObject({ resourceId: `workaround-${open.id}` });
      expect(claim?.expiresAt).toBeUndefined();
    }
    expect(await commentsOf(resolvedSince.id)).toEqual([]);
    expect(await getIncidentForPrincipal(resolvedSince.id, agent)).toEqual(resolvedSince);
  });

  it('reports poison records alone and applies the rest of the batch', async () => {
    const fresh = await anIncident('New');
    const problem = aProblem({ state: 'Root Cause Analysis', resolvedAt: undefined });
    const valid = recordOf(ProblemWorkaroundCommunicated, problem, {
      problem,
      notes: [{ incidentId: fresh.id, commentId: `workaround-${fresh.id}`, body: 'Purge it' }],
    });
    const notJson = sqsRecord('{"detail-type":');
    const invalidDetail = sqsRecord(
      JSON.stringify({ ...JSON.parse(valid.body), detail: { data: { notes: 'none' } } }),
    );
    const otherEvent = sqsRecord(
      JSON.stringify({ ...JSON.parse(valid.body), 'detail-type': 'ProblemCreated' }),
    );

    const response = await deliver(notJson, valid, invalidDetail, otherEvent);

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
      [notJson.messageId, invalidDetail.messageId, otherEvent.messageId].sort(),
    );
    expect((await commentsOf(fresh.id)).map((comment) => comment.body)).toEqual(['Purge it']);
  });
});
