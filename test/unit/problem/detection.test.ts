import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DETECTION_POLICY,
  type DetectionDecision,
  type DetectionInput,
  type DetectionPolicy,
  DetectionPolicySchema,
  detectionScopes,
  detectProblem,
  type ObservedIncident,
  type ProblemState,
  type ProblemView,
  upstreamDepths,
  windowAround,
} from '../../../functions/problem/domain';
import type { IncidentState } from '../../../shared/events/incidents';

const BASE = Date.parse('2025-03-01T00:00:00.000Z');
const HOUR = 3_600_000;

function inc(
  id: string,
  configurationItem: string | undefined,
  hour: number,
  state: IncidentState = 'New',
  version = 1,
): ObservedIncident {
  return {
    id,
    ...(configurationItem === undefined ? {} : { configurationItem }),
    state,
    createdAt: new Date(BASE + hour * HOUR).toISOString(),
    version,
  };
}

/**
 * The CMDB: three app servers on one database, which runs on a SAN; a fourth app on a second
 * database on the same SAN; a mail relay on its own; two CIs depending on each other.
 */
const DEPENDS_ON: Record<string, string[]> = {
  'ci-app-1': ['ci-db'],
  'ci-app-2': ['ci-db'],
  'ci-app-3': ['ci-db'],
  'ci-app-9': ['ci-db-2'],
  'ci-db': ['ci-san'],
  'ci-db-2': ['ci-san'],
  'ci-a': ['ci-b'],
  'ci-b': ['ci-a'],
};
const upstreamOf = (ci: string) => DEPENDS_ON[ci] ?? [];

function problemView(
  id: string,
  state: ProblemState,
  overrides: Partial<ProblemView> = {},
): ProblemView {
  return {
    id,
    state,
    createdAt: new Date(BASE).toISOString(),
    linkedIncidentIds: [],
    ...overrides,
  };
}

/** Detection for the last incident of `incidents`, with all of them in the read model. */
function detectLast(
  incidents: ObservedIncident[],
  extra: Partial<DetectionInput> = {},
): DetectionDecision {
  const incident = incidents.at(-1);
  if (incident === undefined) throw new Error('no incident');
  return detectProblem({
    incident,
    recentIncidents: incidents,
    upstreamOf,
    problems: [],
    ...extra,
  });
}

function linkedIds(decision: DetectionDecision): string[] {
  return decision.kind === 'none' ? [] : decision.incidents.map((incident) => incident.id);
}

/** A minimal store around the policy, as the use case will be: read model, problems, links. */
class DetectionStore {
  readonly readModel = new Map<string, ObservedIncident>();
  readonly problems = new Map<string, ProblemView & { linked: Set<string> }>();
  readonly decisions: DetectionDecision[] = [];

  constructor(
    private readonly policy: DetectionPolicy = DEFAULT_DETECTION_POLICY,
    seed: ProblemView[] = [],
  ) {
    for (const problem of seed) {
      this.problems.set(problem.id, { ...problem, linked: new Set(problem.linkedIncidentIds) });
    }
  }

  deliver(event: ObservedIncident): DetectionDecision {
    const known = this.readModel.get(event.id);
    if (known === undefined || event.version > known.version) this.readModel.set(event.id, event);
    const decision = detectProblem({
      incident: event,
      recentIncidents: [...this.readModel.values()],
      upstreamOf,
      problems: [...this.problems.values()].map(({ linked, ...view }) => ({
        ...view,
        linkedIncidentIds: [...linked],
      })),
      policy: this.policy,
    });
    this.apply(decision, event);
    this.decisions.push(decision);
    return decision;
  }

  /** Conditional put of the candidate, idempotent link puts. */
  private apply(decision: DetectionDecision, event: ObservedIncident): void {
    if (decision.kind === 'none') return;
    const problemId = decision.kind === 'create' ? decision.candidate.id : decision.problemId;
    if (decision.kind === 'create' && !this.problems.has(problemId)) {
      this.problems.set(problemId, {
        ...problemView(problemId, 'New', {
          configurationItem: decision.candidate.configurationItem,
          createdAt: event.createdAt,
        }),
        linked: new Set(),
      });
    }
    const problem = this.problems.get(problemId);
    if (problem === undefined) throw new Error(`no problem ${problemId}`);
    for (const incident of decision.incidents) problem.linked.add(incident.id);
  }

  /** Problems created by detection, with their sorted links. */
  outcome(): { id: string; configurationItem?: string; linked: string[] }[] {
    return [...this.problems.values()].map((problem) => ({
      id: problem.id,
      ...(problem.configurationItem ? { configurationItem: problem.configurationItem } : {}),
      linked: [...problem.linked].sort(),
    }));
  }
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [
      item,
      ...rest,
    ]),
  );
}

/** Each order of `events`, delivered twice: all again after the first pass, and each twice in a row. */
function deliveries<T>(events: readonly T[]): T[][] {
  return permutations(events).flatMap((order) => [
    [...order, ...order],
    order.flatMap((event) => [event, event]),
  ]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('detection policy', () => {
  it('defaults to 3 incidents in 24 h, three dependency hops deep', () => {
    expect(DEFAULT_DETECTION_POLICY).toEqual({ threshold: 3, windowHours: 24, maxDepth: 3 });
    expect(DetectionPolicySchema.parse({ threshold: 5 })).toEqual({
      threshold: 5,
      windowHours: 24,
      maxDepth: 3,
    });
  });

  it.each([{ threshold: 1 }, { threshold: 2.5 }, { windowHours: 0 }, { maxDepth: -1 }])(
    'rejects %j',
    (policy) => {
      expect(DetectionPolicySchema.safeParse(policy).success).toBe(false);
    },
  );

  it('asks the read model for incidents created within a window either side', () => {
    expect(windowAround('2025-03-02T06:00:00.000Z')).toEqual({
      from: '2025-03-01T06:00:00.000Z',
      to: '2025-03-03T06:00:00.000Z',
    });
  });
});

describe('upstream and scopes', () => {
  it('walks dependencies transitively, each CI at its shortest distance', () => {
    expect(Object.fromEntries(upstreamDepths('ci-app-1', upstreamOf, 3))).toEqual({
      'ci-app-1': 0,
      'ci-db': 1,
      'ci-san': 2,
    });
  });

  it('stops at the maximum depth and cuts cycles', () => {
    expect([...upstreamDepths('ci-app-1', upstreamOf, 1).keys()]).toEqual(['ci-app-1', 'ci-db']);
    expect(Object.fromEntries(upstreamDepths('ci-a', upstreamOf, 10))).toEqual({
      'ci-a': 0,
      'ci-b': 1,
    });
  });

  it('orders scopes nearest first, then by CI id, whatever order the CMDB answers in', () => {
    const cmdb: Record<string, string[]> = { app: ['net', 'db'], db: ['san'], net: ['core'] };
    const expected = [
      { configurationItem: 'app', depth: 0 },
      { configurationItem: 'db', depth: 1 },
      { configurationItem: 'net', depth: 1 },
      { configurationItem: 'core', depth: 2 },
      { configurationItem: 'san', depth: 2 },
    ];
    expect(detectionScopes('app', (ci) => cmdb[ci] ?? [])).toEqual(expected);
    expect(detectionScopes('app', (ci) => [...(cmdb[ci] ?? [])].reverse())).toEqual(expected);
  });
});

describe('detectProblem', () => {
  const mail = [
    inc('inc-1', 'ci-mail', 0),
    inc('inc-2', 'ci-mail', 5),
    inc('inc-3', 'ci-mail', 10),
  ];

  it('creates one candidate for 3 incidents on the same CI within the window', () => {
    const decision = detectLast(mail);
    expect(decision).toMatchObject({
      kind: 'create',
      candidate: {
        configurationItem: 'ci-mail',
        shortDescription: '3 incidents on ci-mail within 24 h',
      },
    });
    expect(linkedIds(decision)).toEqual(['inc-1', 'inc-2', 'inc-3']);
    if (decision.kind !== 'create') throw new Error('expected a candidate');
    expect(decision.candidate.id).toMatch(UUID);
    expect(decision.candidate.description).toContain('2025-03-01T00:00:00.000Z');
  });

  it('does nothing for 2 incidents', () => {
    expect(detectLast(mail.slice(0, 2))).toEqual({ kind: 'none', reason: 'below-threshold' });
  });

  it('does nothing for 3 incidents spread over 25 h', () => {
    const spread = [
      inc('inc-1', 'ci-mail', 0),
      inc('inc-2', 'ci-mail', 12),
      inc('inc-3', 'ci-mail', 25),
    ];
    for (const incident of spread) {
      expect(
        detectProblem({ incident, recentIncidents: spread, upstreamOf, problems: [] }),
      ).toEqual({ kind: 'none', reason: 'below-threshold' });
    }
  });

  it('counts incidents exactly 24 h apart as within the window', () => {
    const edge = [
      inc('inc-1', 'ci-mail', 0),
      inc('inc-2', 'ci-mail', 12),
      inc('inc-3', 'ci-mail', 24),
    ];
    expect(detectLast(edge).kind).toBe('create');
  });

  it('follows the configured threshold and window', () => {
    expect(
      detectLast(mail.slice(0, 2), { policy: { ...DEFAULT_DETECTION_POLICY, threshold: 2 } }).kind,
    ).toBe('create');
    const spread = [
      inc('inc-1', 'ci-mail', 0),
      inc('inc-2', 'ci-mail', 20),
      inc('inc-3', 'ci-mail', 40),
    ];
    expect(detectLast(spread).kind).toBe('none');
    expect(
      detectLast(spread, { policy: { ...DEFAULT_DETECTION_POLICY, windowHours: 48 } }).kind,
    ).toBe('create');
  });

  it('creates one candidate on the database for 3 incidents on the app servers behind it', () => {
    const apps = [
      inc('inc-1', 'ci-app-1', 0),
      inc('inc-2', 'ci-app-2', 1),
      inc('inc-3', 'ci-app-3', 2),
    ];
    const decision = detectLast(apps);
    expect(decision).toMatchObject({
      kind: 'create',
      candidate: {
        configurationItem: 'ci-db',
        shortDescription: '3 incidents on CIs that depend on ci-db within 24 h',
      },
    });
    expect(linkedIds(decision)).toEqual(['inc-1', 'inc-2', 'inc-3']);
  });

  it('counts an incident on the database itself with those behind it', () => {
    const mixed = [
      inc('inc-1', 'ci-app-1', 0),
      inc('inc-2', 'ci-app-2', 1),
      inc('inc-3', 'ci-db', 2),
    ];
    const decision = detectLast(mixed);
    expect(decision).toMatchObject({
      kind: 'create',
      candidate: { configurationItem: 'ci-db' },
    });
    expect(decision).toEqual(
      detectProblem({
        incident: mixed[0] as ObservedIncident,
        recentIncidents: mixed,
        upstreamOf,
        problems: [],
      }),
    );
  });

  it('prefers the nearest shared CI, and reaches further only within the maximum depth', () => {
    const sharingSan = [
      inc('inc-1', 'ci-app-1', 0),
      inc('inc-2', 'ci-app-2', 1),
      inc('inc-3', 'ci-app-9', 2),
    ];
    expect(detectLast(sharingSan)).toMatchObject({
      kind: 'create',
      candidate: { configurationItem: 'ci-san' },
    });
    expect(
      detectLast(sharingSan, { policy: { ...DEFAULT_DETECTION_POLICY, maxDepth: 1 } }),
    ).toEqual({
      kind: 'none',
      reason: 'below-threshold',
    });
    const sameApp = [
      inc('inc-1', 'ci-app-1', 0),
      inc('inc-2', 'ci-app-1', 1),
      inc('inc-3', 'ci-app-1', 2),
    ];
    expect(detectLast(sameApp)).toMatchObject({
      candidate: { configurationItem: 'ci-app-1' },
    });
  });

  it('terminates on dependency cycles, where each CI is upstream of the other', () => {
    const cyclic = [inc('inc-1', 'ci-a', 0), inc('inc-2', 'ci-b', 1), inc('inc-3', 'ci-a', 2)];
    expect(detectLast(cyclic)).toMatchObject({ candidate: { configurationItem: 'ci-a' } });
    const fromB = { incident: cyclic[1] as ObservedIncident, recentIncidents: cyclic, upstreamOf };
    expect(detectProblem({ ...fromB, problems: [] })).toMatchObject({
      candidate: { configurationItem: 'ci-b' },
    });
  });

  it('ignores incidents without a CI, Canceled ones and unrelated CIs', () => {
    expect(detectLast([...mail.slice(0, 2), inc('inc-3', undefined, 3)])).toEqual({
      kind: 'none',
      reason: 'no-configuration-item',
    });
    expect(detectLast([...mail.slice(0, 2), inc('inc-3', 'ci-mail', 3, 'Canceled')])).toEqual({
      kind: 'none',
      reason: 'canceled',
    });
    const withCanceled = [
      inc('inc-0', 'ci-mail', 1, 'Canceled'),
      inc('inc-9', 'ci-app-1', 1),
      ...mail.slice(1),
    ];
    expect(detectLast(withCanceled)).toEqual({ kind: 'none', reason: 'below-threshold' });
  });

  it('counts resolved and closed incidents: they happened', () => {
    const settledDown = [
      inc('inc-1', 'ci-mail', 0, 'Closed'),
      inc('inc-2', 'ci-mail', 1, 'Resolved'),
      inc('inc-3', 'ci-mail', 2),
    ];
    expect(linkedIds(detectLast(settledDown))).toEqual(['inc-1', 'inc-2', 'inc-3']);
  });

  it('judges each incident by its latest version, whichever side it comes from', () => {
    const staleEvent = inc('inc-3', 'ci-mail', 10, 'New', 1);
    const canceledSince = inc('inc-3', 'ci-mail', 10, 'Canceled', 2);
    expect(
      detectProblem({
        incident: staleEvent,
        recentIncidents: [...mail.slice(0, 2), canceledSince],
        upstreamOf,
        problems: [],
      }),
    ).toEqual({ kind: 'none', reason: 'canceled' });
    const movedEvent = inc('inc-3', 'ci-mail', 10, 'New', 3);
    const staleRow = inc('inc-3', 'ci-other', 10, 'New', 2);
    expect(
      detectProblem({
        incident: movedEvent,
        recentIncidents: [...mail.slice(0, 2), staleRow],
        upstreamOf,
        problems: [],
      }).kind,
    ).toBe('create');
  });

  it('decides the same for every incident of the group and any input order', () => {
    const decisions = mail.map((incident) =>
      detectProblem({ incident, recentIncidents: [...mail].reverse(), upstreamOf, problems: [] }),
    );
    for (const decision of decisions) expect(decision).toEqual(decisions[0]);
  });

  it('derives different candidate ids for different CIs and different first incidents', () => {
    const id = (incidents: ObservedIncident[]) => {
      const decision = detectLast(incidents);
      return decision.kind === 'create' ? decision.candidate.id : undefined;
    };
    const ids = [
      id(mail),
      id(mail.map((incident) => ({ ...incident, configurationItem: 'ci-web' }))),
      id([inc('inc-0', 'ci-mail', 0), ...mail.slice(1)]),
    ];
    expect(new Set(ids).size).toBe(3);
  });

  describe('with problems', () => {
    it('links to an active problem on the CI instead of creating one', () => {
      const problems = [
        problemView('prb-open', 'Root Cause Analysis', { configurationItem: 'ci-mail' }),
      ];
      const decision = detectLast(mail, { problems });
      expect(decision).toMatchObject({ kind: 'link', problemId: 'prb-open' });
      expect(linkedIds(decision)).toEqual(['inc-1', 'inc-2', 'inc-3']);
    });

    it('links to an active problem linked to one of the incidents, the others only', () => {
      const problems = [problemView('prb-manual', 'Assess', { linkedIncidentIds: ['inc-1'] })];
      const decision = detectLast(mail, { problems });
      expect(decision).toMatchObject({ kind: 'link', problemId: 'prb-manual' });
      expect(linkedIds(decision)).toEqual(['inc-2', 'inc-3']);
    });

    it('prefers the problem on the CI, then the oldest, and never relinks incidents', () => {
      const problems = [
        problemView('prb-linked', 'Assess', { linkedIncidentIds: ['inc-1'] }),
        problemView('prb-newer', 'New', {
          configurationItem: 'ci-mail',
          createdAt: '2025-03-01T02:00:00.000Z',
        }),
        problemView('prb-older', 'Fix in Progress', {
          configurationItem: 'ci-mail',
          createdAt: '2025-03-01T01:00:00.000Z',
        }),
      ];
      const decision = detectLast(mail, { problems });
      expect(decision).toMatchObject({ kind: 'link', problemId: 'prb-older' });
      expect(linkedIds(decision)).toEqual(['inc-2', 'inc-3']);
    });

    it('does nothing when the group is linked already', () => {
      const problems = [
        problemView('prb-open', 'New', {
          configurationItem: 'ci-mail',
          linkedIncidentIds: ['inc-1', 'inc-2', 'inc-3'],
        }),
      ];
      expect(detectLast(mail, { problems })).toEqual({ kind: 'none', reason: 'already-linked' });
    });

    it.each(['Resolved', 'Closed', 'Duplicate', 'Canceled'] as const)(
      'creates a new candidate next to a %s problem on the CI, from new incidents only',
      (state) => {
        const settled = problemView('prb-done', state, {
          configurationItem: 'ci-mail',
          linkedIncidentIds: ['inc-1', 'inc-2'],
        });
        const later = [...mail, inc('inc-4', 'ci-mail', 11), inc('inc-5', 'ci-mail', 12)];
        const decision = detectLast(later, { problems: [settled] });
        expect(decision.kind).toBe('create');
        expect(linkedIds(decision)).toEqual(['inc-3', 'inc-4', 'inc-5']);
        expect(detectLast(later.slice(0, 4), { problems: [settled] })).toEqual({
          kind: 'none',
          reason: 'below-threshold',
        });
        expect(
          detectProblem({
            incident: mail[0] as ObservedIncident,
            recentIncidents: later,
            upstreamOf,
            problems: [settled],
          }),
        ).toEqual({
          kind: 'none',
          reason: 'settled',
        });
      },
    );
  });
});

describe('detection under at-least-once, duplicated and reordered delivery', () => {
  function run(events: ObservedIncident[], seed: ProblemView[] = []) {
    const store = new DetectionStore(DEFAULT_DETECTION_POLICY, seed);
    for (const event of events) store.deliver(event);
    return store;
  }

  it('creates the same candidate for 3 incidents in every order, delivered twice', () => {
    const events = [
      inc('inc-1', 'ci-mail', 0),
      inc('inc-2', 'ci-mail', 5),
      inc('inc-3', 'ci-mail', 10),
    ];
    const reference = run(events).outcome();
    expect(reference).toEqual([
      {
        id: expect.stringMatching(UUID),
        configurationItem: 'ci-mail',
        linked: ['inc-1', 'inc-2', 'inc-3'],
      },
    ]);
    for (const order of deliveries(events)) {
      const store = run(order);
      expect(store.outcome()).toEqual(reference);
      expect(store.decisions.filter((decision) => decision.kind === 'create')).toHaveLength(1);
    }
  });

  it('creates the same candidate on the database in every order, delivered twice', () => {
    const events = [
      inc('inc-1', 'ci-app-1', 0),
      inc('inc-2', 'ci-app-2', 3),
      inc('inc-3', 'ci-app-3', 6),
    ];
    const reference = run(events).outcome();
    expect(reference).toEqual([
      {
        id: expect.stringMatching(UUID),
        configurationItem: 'ci-db',
        linked: ['inc-1', 'inc-2', 'inc-3'],
      },
    ]);
    for (const order of deliveries(events)) expect(run(order).outcome()).toEqual(reference);
  });

  it('replaying everything after the fact creates and links nothing new', () => {
    const events = [
      inc('inc-1', 'ci-mail', 0),
      inc('inc-2', 'ci-mail', 5),
      inc('inc-3', 'ci-mail', 10),
      inc('inc-4', 'ci-mail', 11),
    ];
    const store = run(events);
    const before = store.outcome();
    const replayed = events.map((event) => store.deliver(event));
    expect(replayed).toEqual(events.map(() => ({ kind: 'none', reason: 'already-linked' })));
    expect(store.outcome()).toEqual(before);
  });

  it('ends with one problem linking every incident of a burst, for 5 incidents in every order', () => {
    const events = ['inc-1', 'inc-2', 'inc-3', 'inc-4', 'inc-5'].map((id, index) =>
      inc(id, 'ci-mail', index * 4),
    );
    for (const order of permutations(events)) {
      const outcome = run([...order, ...order]).outcome();
      expect(outcome).toHaveLength(1);
      expect(outcome[0]?.linked).toEqual(['inc-1', 'inc-2', 'inc-3', 'inc-4', 'inc-5']);
    }
  });

  it('links the whole chain of overlapping windows, and nothing outside any burst', () => {
    // 0 h, 10 h, 20 h and 30 h: [0, 24] and [10, 34] each hold three; 60 h stands alone.
    const events = [
      inc('inc-a', 'ci-mail', 0),
      inc('inc-b', 'ci-mail', 10),
      inc('inc-c', 'ci-mail', 30),
      inc('inc-d', 'ci-mail', 20),
      inc('inc-e', 'ci-mail', 60),
    ];
    for (const order of permutations(events)) {
      const outcome = run(order).outcome();
      expect(outcome).toHaveLength(1);
      expect(outcome[0]?.linked).toEqual(['inc-a', 'inc-b', 'inc-c', 'inc-d']);
    }
  });

  it('opens a new candidate after a closed one, in every order', () => {
    const closed = problemView('prb-closed', 'Closed', {
      configurationItem: 'ci-mail',
      linkedIncidentIds: ['inc-1', 'inc-2', 'inc-3'],
    });
    const events = [
      inc('inc-1', 'ci-mail', 0),
      inc('inc-2', 'ci-mail', 1),
      inc('inc-3', 'ci-mail', 2),
      inc('inc-4', 'ci-mail', 20),
      inc('inc-5', 'ci-mail', 21),
      inc('inc-6', 'ci-mail', 22),
    ];
    const outcomes = new Set(
      permutations(events).map((order) => JSON.stringify(run(order, [closed]).outcome())),
    );
    expect(outcomes.size).toBe(1);
    const [outcome] = [...outcomes].map((json) => JSON.parse(json));
    expect(outcome).toEqual([
      { id: 'prb-closed', configurationItem: 'ci-mail', linked: ['inc-1', 'inc-2', 'inc-3'] },
      {
        id: expect.stringMatching(UUID),
        configurationItem: 'ci-mail',
        linked: ['inc-4', 'inc-5', 'inc-6'],
      },
    ]);
  });
});
