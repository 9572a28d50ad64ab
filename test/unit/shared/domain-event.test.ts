import { describe, expect, it } from 'vitest';
import { domainEvent } from '../../../shared/events/domain-event';
import { IncidentCommented } from '../../../shared/events/incidents';

const origin = {
  aggregateId: 'i-1',
  sequence: 7,
  actor: { id: 'u1', kind: 'user' as const, role: 'agent' as const },
  occurredAt: '2026-11-22T10:00:00.000Z',
};

describe('domainEvent', () => {
  it('builds the outbox event with a stable id and the metadata of its contract', () => {
    const incident = {
      id: 'i-1',
      number: 'INC0001001',
      shortDescription: 'x',
      caller: 'u2',
      impact: 3,
      urgency: 3,
      priority: 5,
      channel: 'api' as const,
      state: 'New' as const,
      childCount: 0,
      openedBy: 'u1',
      createdAt: origin.occurredAt,
      updatedAt: origin.occurredAt,
      version: 1,
    };
    const comment = {
      id: 'c1',
      visibility: 'public' as const,
      author: 'u1',
      body: 'hi',
      createdAt: origin.occurredAt,
    };
    const event = domainEvent(IncidentCommented, origin, { incident, comment });
    expect(event).toMatchObject({
      eventId: 'incident/i-1/7',
      source: 'itsm.incidents',
      detailType: 'IncidentCommented',
    });
    expect(JSON.parse(event.detail).metadata).toEqual({
      eventId: 'incident/i-1/7',
      eventType: 'IncidentCommented',
      eventVersion: 1,
      aggregateType: 'incident',
      aggregateId: 'i-1',
      sequence: 7,
      occurredAt: origin.occurredAt,
      actor: origin.actor,
    });
  });

  it('refuses a detail that breaks its contract, so nothing malformed is published', () => {
    expect(() => domainEvent(IncidentCommented, origin, { comment: {} } as never)).toThrow();
  });
});
