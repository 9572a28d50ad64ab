import { describe, expect, it } from 'vitest';
import {
  type Change,
  ChangeSchema,
  type ChangeState,
  ChangeStates,
  type ChangeTemplate,
  canDecide,
  canView,
  canWrite,
  createChange,
  createStandardChange,
  updateChange,
} from '../../../functions/change/domain';
import { ConflictError, ForbiddenError } from '../../../shared/errors';
import { ChangeCreated, ChangeSubmittedForAuthorization } from '../../../shared/events/changes';
import {
  aChange,
  aPlan,
  ctx,
  NOW,
  PLANNED_END,
  PLANNED_START,
  principalNames,
  principals,
  READERS,
  thrownBy,
  validationIssues,
  WRITERS,
} from './fixtures';

const IDS = { id: 'chg-9', number: 'CHG0001009' };

const TEMPLATE: ChangeTemplate = {
  id: 'tpl-1',
  name: 'Rotate TLS certificate',
  shortDescription: 'Rotate the TLS certificate',
  category: 'security',
  implementationPlan: 'Import the new certificate, switch the listener',
  backoutPlan: 'Switch the listener back',
  testPlan: 'Check the served certificate',
  affectedCis: ['ci-lb'],
  active: true,
  createdAt: NOW,
  updatedAt: NOW,
  version: 1,
};

describe('access', () => {
  it.each(principalNames)('%s', (name) => {
    const principal = principals[name];
    expect(canView(principal)).toBe(READERS.includes(name));
    expect(canWrite(principal)).toBe(WRITERS.includes(name));
    expect(canDecide(principal)).toBe(name === 'system');
  });
});

describe('createChange', () => {
  it('opens a change in New, version 1, with its lists deduplicated', () => {
    const change = createChange(
      {
        model: 'emergency',
        shortDescription: 'Restart the payment gateway',
        affectedCis: ['ci-pay', 'ci-pay'],
        linkedIncidents: ['inc-1', 'inc-1', 'inc-2'],
      },
      IDS,
      ctx(),
    );
    expect(change).toEqual({
      ...IDS,
      model: 'emergency',
      shortDescription: 'Restart the payment gateway',
      state: 'New',
      affectedCis: ['ci-pay'],
      linkedProblems: [],
      linkedIncidents: ['inc-1', 'inc-2'],
      openedBy: 'agent-1',
      createdAt: NOW,
      updatedAt: NOW,
      version: 1,
    });
    expect(ChangeSchema.parse(change)).toEqual(change);
  });

  it('checks the invariants', () => {
    const issues = validationIssues(() =>
      createChange(
        {
          model: 'normal',
          shortDescription: 'x',
          assignee: 'agent-2',
          plannedStart: PLANNED_END,
          plannedEnd: PLANNED_START,
        },
        IDS,
        ctx(),
      ),
    );
    expect(issues.map((issue) => issue.field)).toEqual(['assignee', 'plannedEnd']);
  });

  it.each(principalNames.filter((name) => !WRITERS.includes(name)))(
    'is forbidden to %s',
    (name) => {
      expect(() =>
        createChange({ model: 'normal', shortDescription: 'x' }, IDS, ctx(principals[name])),
      ).toThrow(ForbiddenError);
    },
  );
});

describe('createStandardChange', () => {
  it("takes the template's plans, texts and CIs", () => {
    const change = createStandardChange(
      TEMPLATE,
      { templateId: 'tpl-1', plannedStart: PLANNED_START, plannedEnd: PLANNED_END },
      IDS,
      ctx(),
    );
    expect(change).toMatchObject({
      model: 'standard',
      templateId: 'tpl-1',
      shortDescription: TEMPLATE.shortDescription,
      category: 'security',
      implementationPlan: TEMPLATE.implementationPlan,
      backoutPlan: TEMPLATE.backoutPlan,
      testPlan: TEMPLATE.testPlan,
      affectedCis: ['ci-lb'],
      state: 'New',
    });
  });

  it('lets the input name its own texts and CIs', () => {
    const change = createStandardChange(
      TEMPLATE,
      { templateId: 'tpl-1', shortDescription: 'Rotate api cert', affectedCis: ['ci-api'] },
      IDS,
      ctx(),
    );
    expect(change).toMatchObject({ shortDescription: 'Rotate api cert', affectedCis: ['ci-api'] });
  });

  it('refuses a retired template and another template id', () => {
    expect(() =>
      createStandardChange({ ...TEMPLATE, active: false }, { templateId: 'tpl-1' }, IDS, ctx()),
    ).toThrow(ConflictError);
    expect(
      validationIssues(() => createStandardChange(TEMPLATE, { templateId: 'tpl-2' }, IDS, ctx())),
    ).toEqual([expect.objectContaining({ field: 'templateId' })]);
  });
});

describe('updateChange', () => {
  const agent = ctx();

  it('applies a patch as a new version with its field changes', () => {
    const change = aChange('New');
    const result = updateChange(change, { description: 'Node by node', category: null }, agent);
    expect(result.change).toMatchObject({ description: 'Node by node', version: 6 });
    expect(result.changes).toEqual([{ field: 'description', old: null, new: 'Node by node' }]);
  });

  it('changes nothing (not even the version) for a patch of equal values', () => {
    const change = aChange('Scheduled');
    const result = updateChange(
      change,
      {
        affectedCis: ['ci-db'],
        plannedStart: PLANNED_START,
        shortDescription: change.shortDescription,
      },
      agent,
    );
    expect(result).toEqual({ change, changes: [] });
  });

  it('clears the assignee when the group changes, unless the patch names one', () => {
    const change = aChange('New');
    expect(updateChange(change, { assignmentGroup: 'ops' }, agent).change).not.toHaveProperty(
      'assignee',
    );
    expect(
      updateChange(change, { assignmentGroup: 'ops', assignee: 'agent-7' }, agent).change.assignee,
    ).toBe('agent-7');
  });

  it.each(['Closed', 'Canceled'] as const)('a %s change is read-only', (state) => {
    expect(() => updateChange(aChange(state), { description: 'x' }, agent)).toThrow(ConflictError);
  });

  const lockedStates: ChangeState[] = ['Authorize', 'Scheduled', 'Implement', 'Review'];
  const authorizedFields: [string, Partial<Change>][] = [
    ['plannedStart', { plannedStart: '2025-03-08T21:00:00.000Z' }],
    ['plannedEnd', { plannedEnd: null as never }],
    ['affectedCis', { affectedCis: ['ci-db', 'ci-app'] }],
    ['implementationPlan', { implementationPlan: 'Other' }],
    ['backoutPlan', { backoutPlan: 'Other' }],
    ['testPlan', { testPlan: 'Other' }],
  ];
  const lockCases = ChangeStates.filter(
    (state) => state !== 'Closed' && state !== 'Canceled',
  ).flatMap((state) => authorizedFields.map(([field, patch]) => ({ state, field, patch })));
  it.each(lockCases)('$field in $state', ({ state, field, patch }) => {
    const attempt = () => updateChange(aChange(state), patch, agent);
    if (lockedStates.includes(state)) {
      const error = thrownBy(attempt);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as Error).message).toContain(field);
    } else {
      expect(attempt().changes.map((change) => change.field)).toContain(field);
    }
  });

  it('a standard change never alters its plans, in any state', () => {
    const change = aChange('New', 'standard');
    expect(() => updateChange(change, { backoutPlan: 'Improvise' }, agent)).toThrow(
      /follows its template/,
    );
    expect(updateChange(change, { plannedStart: NOW }, agent).change.plannedStart).toBe(NOW);
  });

  it('keeps the group and the CIs from Assess on', () => {
    const issues = validationIssues(() =>
      updateChange(aChange('Assess'), { assignmentGroup: null, affectedCis: [] }, agent),
    );
    expect(issues.map((issue) => issue.field)).toEqual(['assignmentGroup', 'affectedCis']);
    const cleared = updateChange(aChange('New'), { assignmentGroup: null, affectedCis: [] }, agent);
    expect(cleared.change).not.toHaveProperty('assignmentGroup');
  });

  it('is forbidden to a reading client', () => {
    expect(() =>
      updateChange(aChange('New'), { description: 'x' }, ctx(principals.readingClient)),
    ).toThrow(ForbiddenError);
  });
});

describe('published language', () => {
  it('every fixture state parses as a snapshot', () => {
    for (const state of ChangeStates)
      expect(() => ChangeSchema.parse(aChange(state))).not.toThrow();
  });

  it('the submission event carries the change and its plan', () => {
    const change = aChange('Authorize');
    const data = { change, plan: aPlan(change) };
    expect(ChangeSubmittedForAuthorization.data.parse(data)).toEqual(data);
    expect(() => ChangeSubmittedForAuthorization.data.parse({ change })).toThrow();
    expect(ChangeCreated.source).toBe('itsm.changes');
  });
});
