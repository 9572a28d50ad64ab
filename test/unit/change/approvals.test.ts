import { describe, expect, it } from 'vitest';
import {
  type ApprovalDirectory,
  type ApprovalPlan,
  type ApprovalPolicy,
  type ApprovalRule,
  approvalPlanIdFor,
  castVote,
  DEFAULT_APPROVAL_POLICIES,
  type Delegation,
  DelegationSchema,
  decide,
  planApprovals,
  type Vote,
} from '../../../functions/change/domain';
import type { Principal } from '../../../shared/auth';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../../shared/errors';
import { aChange, aRisk, NOW, thrownBy } from './fixtures';

/** `minutes` after NOW (09:30Z), when the approval was requested. */
function at(minutes: number): string {
  return new Date(Date.parse(NOW) + minutes * 60_000).toISOString();
}

const DEADLINE = 60;
const REMIND = 45;

function aPlanWith(
  rule: ApprovalRule,
  onRejection: ApprovalPolicy['onRejection'] = 'reject-at-once',
  groups: Record<string, string[]> = { cab: ['a', 'b', 'c'] },
  onTimeout: 'approve' | 'reject' = 'reject',
): ApprovalPlan {
  const approvers = new Map<string, string[]>();
  for (const [group, members] of Object.entries(groups)) {
    for (const member of members) approvers.set(member, [...(approvers.get(member) ?? []), group]);
  }
  return {
    planId: 'plan-1',
    changeId: 'chg-1',
    path: 'cab',
    policy: {
      rule,
      onRejection,
      timeout: { afterMinutes: DEADLINE, remindBeforeMinutes: 15, outcome: onTimeout },
    },
    approvers: [...approvers].map(([approverId, memberOf]) => ({
      approvalId: `approval-${approverId}`,
      approverId,
      groups: memberOf,
    })),
    reasons: [],
    requestedAt: NOW,
    remindAt: at(REMIND),
    deadline: at(DEADLINE),
  };
}

/** `a+` approves, `b-` rejects; the nth vote is cast n minutes after the request. */
function votesOf(sequence: readonly string[]): Vote[] {
  return sequence.map((token, index) => {
    const approverId = token.slice(0, -1);
    const approve = token.endsWith('+');
    return {
      approvalId: `approval-${approverId}`,
      approverId,
      castBy: approverId,
      vote: approve ? 'approve' : 'reject',
      ...(approve ? {} : { comment: `${approverId} says no` }),
      castAt: at(index + 1),
    };
  });
}

type Expected = 'pending' | ['approved' | 'rejected', number];

const ANY: ApprovalRule = { kind: 'any' };
const ALL: ApprovalRule = { kind: 'all' };
const QUORUM_2: ApprovalRule = { kind: 'quorum', count: 2 };
const QUORUM_5: ApprovalRule = { kind: 'quorum', count: 5 };
const HALF: ApprovalRule = { kind: 'percentage', percent: 50 };
const FIRST_PER_GROUP: ApprovalRule = { kind: 'first-per-group' };
const TWO_GROUPS = { g1: ['a', 'b'], g2: ['c'] };

// [rule, on rejection, votes in order, expected: pending or [outcome, number of the deciding vote]]
const SCENARIOS: [string, ApprovalRule, ApprovalPolicy['onRejection'], string[], Expected][] = [
  ['any', ANY, 'reject-at-once', [], 'pending'],
  ['any', ANY, 'reject-at-once', ['a+'], ['approved', 1]],
  ['any', ANY, 'reject-at-once', ['a-'], ['rejected', 1]],
  ['any', ANY, 'reject-at-once', ['a-', 'b+'], ['rejected', 1]],
  ['any', ANY, 'keep-waiting', ['a-'], 'pending'],
  ['any', ANY, 'keep-waiting', ['a-', 'b+'], ['approved', 2]],
  ['any', ANY, 'keep-waiting', ['a-', 'b-', 'c-'], ['rejected', 3]],
  ['any', ANY, 'keep-waiting', ['a-', 'a+'], ['approved', 2]],
  ['all', ALL, 'reject-at-once', ['a+', 'b+'], 'pending'],
  ['all', ALL, 'reject-at-once', ['a+', 'b+', 'c+'], ['approved', 3]],
  ['all', ALL, 'reject-at-once', ['a+', 'b-', 'c+'], ['rejected', 2]],
  ['all', ALL, 'reject-at-once', ['a+', 'a-'], ['rejected', 2]],
  ['all', ALL, 'reject-at-once', ['a+', 'a+', 'b+'], 'pending'],
  ['all', ALL, 'keep-waiting', ['a+', 'b-'], 'pending'],
  ['all', ALL, 'keep-waiting', ['a+', 'b-', 'c+'], ['rejected', 3]],
  ['all', ALL, 'keep-waiting', ['a+', 'b-', 'b+', 'c+'], ['approved', 4]],
  ['quorum 2', QUORUM_2, 'reject-at-once', ['a+'], 'pending'],
  ['quorum 2', QUORUM_2, 'reject-at-once', ['a+', 'b+'], ['approved', 2]],
  ['quorum 2', QUORUM_2, 'reject-at-once', ['a+', 'b-'], ['rejected', 2]],
  ['quorum 2', QUORUM_2, 'keep-waiting', ['a+', 'b-'], 'pending'],
  ['quorum 2', QUORUM_2, 'keep-waiting', ['a+', 'b-', 'c+'], ['approved', 3]],
  ['quorum 2', QUORUM_2, 'keep-waiting', ['a-', 'b-', 'c+'], ['rejected', 3]],
  ['quorum 2', QUORUM_2, 'keep-waiting', ['a+', 'a-', 'b+'], 'pending'],
  ['quorum 5 of 3', QUORUM_5, 'keep-waiting', ['a+', 'b+'], 'pending'],
  ['quorum 5 of 3', QUORUM_5, 'keep-waiting', ['a+', 'b+', 'c+'], ['approved', 3]],
  ['50%', HALF, 'reject-at-once', ['a+'], 'pending'],
  ['50%', HALF, 'reject-at-once', ['a+', 'b+'], ['approved', 2]],
  ['50%', HALF, 'keep-waiting', ['a-', 'b-'], 'pending'],
  ['50%', HALF, 'keep-waiting', ['a-', 'b-', 'c+'], ['rejected', 3]],
  ['33%', { kind: 'percentage', percent: 33 }, 'reject-at-once', ['a+'], ['approved', 1]],
  ['34%', { kind: 'percentage', percent: 34 }, 'reject-at-once', ['a+'], 'pending'],
  ['100%', { kind: 'percentage', percent: 100 }, 'reject-at-once', ['a+', 'b+'], 'pending'],
];

// First response of each group, groups g1 (a, b) and g2 (c).
const GROUP_SCENARIOS: [ApprovalPolicy['onRejection'], string[], Expected][] = [
  ['reject-at-once', ['a+'], 'pending'],
  ['reject-at-once', ['a+', 'c+'], ['approved', 2]],
  ['reject-at-once', ['a+', 'b-', 'c+'], ['approved', 3]],
  ['reject-at-once', ['b-'], ['rejected', 1]],
  ['reject-at-once', ['a+', 'a-'], ['rejected', 2]],
  ['keep-waiting', ['b-'], 'pending'],
  ['keep-waiting', ['b-', 'a+'], 'pending'],
  ['keep-waiting', ['b-', 'c+'], ['rejected', 2]],
  ['keep-waiting', ['b-', 'b+', 'c+'], ['approved', 3]],
];

function expectDecision(plan: ApprovalPlan, sequence: string[], expected: Expected) {
  const votes = votesOf(sequence);
  const decision = decide(plan, votes, at(30));
  if (expected === 'pending') {
    expect(decision.status).toBe('pending');
    return;
  }
  const [outcome, deciding] = expected;
  expect(decision.status).toBe(outcome);
  if (decision.status === 'pending') return;
  expect(decision.record).toMatchObject({
    planId: 'plan-1',
    outcome,
    decidedAt: at(deciding),
    timedOut: false,
  });
  // The votes that counted: each approver's last before the decision.
  const counted = new Map(votesOf(sequence.slice(0, deciding)).map((v) => [v.approverId, v]));
  expect(decision.record.votes).toEqual([...counted.values()]);
}

describe('decide: every policy x vote sequence', () => {
  it.each(SCENARIOS)('%s, %s: %j -> %j', (_, rule, onRejection, sequence, expected) => {
    expectDecision(aPlanWith(rule, onRejection), sequence, expected);
  });

  it.each(GROUP_SCENARIOS)(
    'first response per group, %s: %j -> %j',
    (onRejection, sequence, expected) => {
      expectDecision(aPlanWith(FIRST_PER_GROUP, onRejection, TWO_GROUPS), sequence, expected);
    },
  );

  it('a person in two groups answers for both', () => {
    const plan = aPlanWith(FIRST_PER_GROUP, 'reject-at-once', { g1: ['a', 'd'], g2: ['d', 'c'] });
    expect(plan.approvers.find((approver) => approver.approverId === 'd')?.groups).toEqual([
      'g1',
      'g2',
    ]);
    expect(decide(plan, votesOf(['d+']), at(30)).status).toBe('approved');
  });
});

describe('decide: reasons', () => {
  it('an approval names the rule and the approvers', () => {
    const decision = decide(aPlanWith(QUORUM_2), votesOf(['a+', 'c+']), at(30));
    expect(decision.status === 'approved' && decision.record.reasons).toEqual([
      'Rule "a quorum of 2": 2 of 3 approvers approved (2 needed): a, c.',
    ]);
  });

  it('a rejection gives each rejecter and their reason', () => {
    const votes = votesOf(['a-']);
    votes[0] = { ...(votes[0] as Vote), castBy: 'x' };
    const decision = decide(aPlanWith(ALL), votes, at(30));
    expect(decision.status === 'rejected' && decision.record.reasons).toEqual([
      'Rule "all approvers": a rejection decides at once.',
      'Rejected by a (by delegate x): a says no',
    ]);
  });

  it('a group rejection names the group', () => {
    const decision = decide(
      aPlanWith(FIRST_PER_GROUP, 'reject-at-once', TWO_GROUPS),
      votesOf(['c-']),
      at(30),
    );
    expect(decision.status === 'rejected' && decision.record.reasons).toEqual([
      'Rule "the first response of each group": g2 rejected.',
      'Rejected by c: c says no',
    ]);
  });
});

describe('decide: order, eligibility', () => {
  it('replays the votes in the order they were cast, whatever the order given', () => {
    const votes = votesOf(['a-', 'b+']).reverse();
    const decision = decide(aPlanWith(ANY), votes, at(30));
    expect(decision.status).toBe('rejected');
  });

  it('a vote by someone the plan does not name is forbidden', () => {
    expect(() => decide(aPlanWith(ANY), votesOf(['z+']), at(30))).toThrow(ForbiddenError);
    const misfiled = { ...(votesOf(['a+'])[0] as Vote), approvalId: 'approval-b' };
    expect(() => decide(aPlanWith(ANY), [misfiled], at(30))).toThrow(ForbiddenError);
  });

  it('reports who approved, rejected and has yet to answer while pending', () => {
    expect(decide(aPlanWith(ALL, 'keep-waiting'), votesOf(['a+', 'b-']), at(30))).toEqual({
      status: 'pending',
      approvedBy: ['a'],
      rejectedBy: ['b'],
      awaiting: ['c'],
      remind: false,
    });
  });
});

describe('decide: reminder and timeout', () => {
  const plan = aPlanWith(ALL, 'keep-waiting');

  it.each([
    [REMIND - 1, false],
    [REMIND, true],
    [DEADLINE - 1, true],
  ])('at minute %i the reminder is due: %s', (minute, remind) => {
    const decision = decide(plan, votesOf(['a+']), at(minute));
    expect(decision).toMatchObject({ status: 'pending', awaiting: ['b', 'c'], remind });
  });

  it('rejects at the deadline when the policy says so, naming who did not answer', () => {
    const decision = decide(plan, votesOf(['a+']), at(DEADLINE));
    expect(decision).toEqual({
      status: 'rejected',
      record: {
        planId: 'plan-1',
        outcome: 'rejected',
        decidedAt: at(DEADLINE),
        timedOut: true,
        reasons: [
          `No decision by the deadline ${at(DEADLINE)}: the policy rejects on timeout.`,
          'No response from b, c.',
        ],
        votes: votesOf(['a+']),
      },
    });
  });

  it('approves at the deadline when the policy says so and nobody rejects', () => {
    const lenient = aPlanWith(ALL, 'keep-waiting', undefined, 'approve');
    const decision = decide(lenient, votesOf(['a+']), at(DEADLINE + 5));
    expect(decision).toMatchObject({
      status: 'approved',
      record: { timedOut: true, decidedAt: at(DEADLINE) },
    });
  });

  it('a current rejection outweighs an approval by timeout', () => {
    const lenient = aPlanWith(ALL, 'keep-waiting', undefined, 'approve');
    const decision = decide(lenient, votesOf(['a+', 'b-']), at(DEADLINE));
    expect(decision.status === 'rejected' && decision.record.reasons).toEqual([
      `No decision by the deadline ${at(DEADLINE)}: a current rejection outweighs an approval by timeout.`,
      'No response from c.',
      'Rejected by b: b says no',
    ]);
  });

  it('votes cast at or after the deadline do not count', () => {
    const late: Vote = { ...(votesOf(['a+'])[0] as Vote), castAt: at(DEADLINE) };
    const decision = decide(aPlanWith(ANY), [late], at(DEADLINE));
    expect(decision).toMatchObject({ status: 'rejected', record: { timedOut: true, votes: [] } });
  });
});

const person = (id: string): Principal => ({ id, kind: 'user', role: 'agent', scopes: new Set() });

describe('castVote', () => {
  const plan = aPlanWith(ALL, 'keep-waiting');
  const vote = (
    id: string,
    approvalId: string,
    choice: 'approve' | 'reject',
    minute: number,
    votes: Vote[] = [],
    delegations: Delegation[] = [],
    comment: string | undefined = choice === 'reject' ? 'Not tested' : undefined,
  ) =>
    castVote(
      plan,
      votes,
      { approvalId, vote: choice, ...(comment === undefined ? {} : { comment }) },
      delegations,
      { actor: person(id), now: at(minute) },
    );

  it('records the vote and decides again', () => {
    const first = vote('a', 'approval-a', 'approve', 1);
    expect(first.vote).toEqual({
      approvalId: 'approval-a',
      approverId: 'a',
      castBy: 'a',
      vote: 'approve',
      castAt: at(1),
    });
    expect(first.decision.status).toBe('pending');
    const second = vote('b', 'approval-b', 'approve', 2, first.votes);
    const third = vote('c', 'approval-c', 'approve', 3, second.votes);
    expect(third.votes).toHaveLength(3);
    expect(third.decision.status).toBe('approved');
  });

  it('lets an approver change their vote until the decision', () => {
    const rejected = vote('b', 'approval-b', 'reject', 1);
    const changed = vote('b', 'approval-b', 'approve', 2, rejected.votes);
    expect(changed.decision).toMatchObject({
      status: 'pending',
      approvedBy: ['b'],
      rejectedBy: [],
    });
  });

  it('refuses a vote once decided, by votes or by timeout', () => {
    const strict = aPlanWith(ANY);
    const decided = castVote(strict, [], { approvalId: 'approval-a', vote: 'approve' }, [], {
      actor: person('a'),
      now: at(1),
    });
    expect(() =>
      castVote(
        strict,
        decided.votes,
        { approvalId: 'approval-a', vote: 'reject', comment: 'Oops' },
        [],
        {
          actor: person('a'),
          now: at(2),
        },
      ),
    ).toThrow(ConflictError);
    expect(() => vote('a', 'approval-a', 'approve', DEADLINE)).toThrow(ConflictError);
  });

  it('404 for an approval the plan lacks, 403 for a non-approver', () => {
    expect(() => vote('a', 'approval-z', 'approve', 1)).toThrow(NotFoundError);
    const error = thrownBy(() => vote('z', 'approval-a', 'approve', 1));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ status: 403 });
    // Being an approver does not let one vote for another.
    expect(() => vote('b', 'approval-a', 'approve', 1)).toThrow(ForbiddenError);
  });

  it('a rejection needs a reason', () => {
    expect(() => vote('a', 'approval-a', 'reject', 1, [], [], ' ')).toThrow(ValidationError);
  });

  describe('delegation', () => {
    const aToX: Delegation = { delegator: 'a', delegate: 'x', from: at(10), to: at(20) };

    it.each([
      [9, false],
      [10, true],
      [19, true],
      [20, false],
    ])('a delegate votes for the approver within the period (minute %i: %s)', (minute, allowed) => {
      const attempt = () => vote('x', 'approval-a', 'approve', minute, [], [aToX]);
      if (!allowed) {
        expect(attempt).toThrow(ForbiddenError);
        return;
      }
      expect(attempt().vote).toMatchObject({ approverId: 'a', castBy: 'x' });
    });

    it('does not cascade', () => {
      const xToY: Delegation = { delegator: 'x', delegate: 'y', from: at(0), to: at(30) };
      expect(() => vote('y', 'approval-a', 'approve', 15, [], [aToX, xToY])).toThrow(
        ForbiddenError,
      );
    });

    it("gives no right over another approver's approval", () => {
      expect(() => vote('x', 'approval-b', 'approve', 15, [], [aToX])).toThrow(ForbiddenError);
    });

    it('leaves the approver their own vote, and the later vote counts', () => {
      const byDelegate = vote('x', 'approval-a', 'reject', 15, [], [aToX]);
      const byApprover = vote('a', 'approval-a', 'approve', 16, byDelegate.votes, [aToX]);
      expect(byApprover.decision).toMatchObject({ approvedBy: ['a'], rejectedBy: [] });
    });

    it.each([
      [{ delegator: 'a', delegate: 'x', from: at(10), to: at(10) }, false],
      [{ delegator: 'a', delegate: 'a', from: at(10), to: at(20) }, false],
      [aToX, true],
    ])('schema %j valid: %s', (delegation, valid) => {
      expect(DelegationSchema.safeParse(delegation).success).toBe(valid);
    });
  });
});

describe('planApprovals', () => {
  const directory: ApprovalDirectory = {
    cab: { id: 'cab', members: ['cab-1', 'cab-2', 'owner-1'] },
    emergencyCab: { id: 'ecab', members: ['ecab-1', 'requester-9'] },
    ciOwnerGroups: [
      { id: 'dba', members: ['owner-1', 'owner-2', 'requester-9'] },
      { id: 'storage', members: ['owner-3'] },
      { id: 'dba', members: ['owner-1', 'owner-2', 'requester-9'] },
    ],
  };
  const change = aChange('Assess', 'normal', { plannedStart: at(10 * 24 * 60) });
  const ids = (plan: ApprovalPlan) => plan.approvers.map((approver) => approver.approverId);

  it('low risk: the CI owner groups, without the requester, under their policy', () => {
    const plan = planApprovals(
      change,
      aRisk('normal', 'low'),
      directory,
      DEFAULT_APPROVAL_POLICIES,
      NOW,
    );
    expect(plan).toMatchObject({
      planId: approvalPlanIdFor(change),
      changeId: change.id,
      path: 'ci-owners',
      policy: DEFAULT_APPROVAL_POLICIES['ci-owners'],
      requestedAt: NOW,
    });
    expect(plan.approvers.map(({ approverId, groups }) => [approverId, groups])).toEqual([
      ['owner-1', ['dba']],
      ['owner-2', ['dba']],
      ['owner-3', ['storage']],
    ]);
    const approvalIds = new Set(plan.approvers.map((approver) => approver.approvalId));
    expect(approvalIds.size).toBe(3);
  });

  it('is deterministic for a version, and differs for the next', () => {
    const risk = aRisk('normal', 'low');
    const again = planApprovals(change, risk, directory, DEFAULT_APPROVAL_POLICIES, NOW);
    expect(planApprovals(change, risk, directory, DEFAULT_APPROVAL_POLICIES, NOW)).toEqual(again);
    const next = planApprovals(
      { ...change, version: 6 },
      risk,
      directory,
      DEFAULT_APPROVAL_POLICIES,
      NOW,
    );
    expect(next.planId).not.toBe(again.planId);
    expect(next.approvers[0]?.approvalId).not.toBe(again.approvers[0]?.approvalId);
  });

  it('high risk: the CAB and the owner groups, each person once', () => {
    const plan = planApprovals(
      change,
      aRisk('normal', 'high'),
      directory,
      DEFAULT_APPROVAL_POLICIES,
      NOW,
    );
    expect(plan.path).toBe('cab');
    expect(plan.policy).toEqual(DEFAULT_APPROVAL_POLICIES.cab);
    expect(plan.approvers.map(({ approverId, groups }) => [approverId, groups])).toEqual([
      ['cab-1', ['cab']],
      ['cab-2', ['cab']],
      ['owner-1', ['cab', 'dba']],
      ['owner-2', ['dba']],
      ['owner-3', ['storage']],
    ]);
  });

  it('emergency: the emergency CAB only', () => {
    const emergency = aChange('New', 'emergency');
    const plan = planApprovals(
      emergency,
      aRisk('emergency', 'very-high'),
      directory,
      DEFAULT_APPROVAL_POLICIES,
      NOW,
    );
    expect(plan.path).toBe('emergency-cab');
    expect(ids(plan)).toEqual(['ecab-1']);
  });

  it('falls back to the CAB when the CIs have no owner group', () => {
    const plan = planApprovals(
      change,
      aRisk('normal', 'low'),
      { ...directory, ciOwnerGroups: [] },
      DEFAULT_APPROVAL_POLICIES,
      NOW,
    );
    expect(plan.path).toBe('cab');
    expect(ids(plan)).toEqual(['cab-1', 'cab-2', 'owner-1']);
    expect(plan.reasons).toEqual([expect.stringContaining('the CAB approves')]);
  });

  it('leaves out a group with only the requester, and refuses a plan with nobody', () => {
    const onlyRequester = { id: 'solo', members: ['requester-9'] };
    const plan = planApprovals(
      change,
      aRisk('normal', 'low'),
      { ...directory, ciOwnerGroups: [onlyRequester, { id: 'storage', members: ['owner-3'] }] },
      DEFAULT_APPROVAL_POLICIES,
      NOW,
    );
    expect(ids(plan)).toEqual(['owner-3']);
    expect(plan.reasons).toContain('Group solo has no member other than the requester: left out.');
    expect(() =>
      planApprovals(
        change,
        aRisk('normal', 'low'),
        { ...directory, ciOwnerGroups: [onlyRequester] },
        DEFAULT_APPROVAL_POLICIES,
        NOW,
      ),
    ).toThrow(ConflictError);
  });

  it('refuses a standard change: its template pre-approves it', () => {
    expect(() =>
      planApprovals(
        aChange('New', 'standard'),
        aRisk('standard'),
        directory,
        DEFAULT_APPROVAL_POLICIES,
        NOW,
      ),
    ).toThrow(ConflictError);
  });

  it('notes a quorum larger than the approvers', () => {
    const policies = {
      ...DEFAULT_APPROVAL_POLICIES,
      'ci-owners': { ...DEFAULT_APPROVAL_POLICIES['ci-owners'], rule: QUORUM_5 },
    };
    const plan = planApprovals(change, aRisk('normal', 'low'), directory, policies, NOW);
    expect(plan.reasons).toContain('The quorum of 5 exceeds the 3 approvers: all must approve.');
  });

  describe('deadline and reminder', () => {
    const policies = {
      ...DEFAULT_APPROVAL_POLICIES,
      'emergency-cab': {
        ...DEFAULT_APPROVAL_POLICIES['emergency-cab'],
        timeout: { afterMinutes: 240, remindBeforeMinutes: 60, outcome: 'reject' as const },
      },
    };
    const emergencyAt = (plannedStart: string) =>
      planApprovals(
        aChange('New', 'emergency', { plannedStart, plannedEnd: at(600) }),
        aRisk('emergency', 'high'),
        directory,
        policies,
        NOW,
      );

    it.each([
      ['a start after the timeout', at(300), at(240), at(180)],
      ['a start before the timeout', at(120), at(120), at(60)],
      ['a start sooner than the reminder period', at(30), at(30), NOW],
      ['a start already past (an emergency under way)', at(-30), at(240), at(180)],
    ])('with %s', (_, plannedStart, deadline, remindAt) => {
      expect(emergencyAt(plannedStart)).toMatchObject({ deadline, remindAt });
    });
  });
});
