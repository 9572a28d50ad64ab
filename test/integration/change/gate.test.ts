import { describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('./environment'));

import { createBlackoutWindow } from '../../../functions/change/catalog';
import type { Change, Interval } from '../../../functions/change/domain';
import { candidateCiIds } from '../../../functions/change/gate-targets';
import { checkDeployment } from '../../../functions/change/gate-use-case';
import { createChange, transitionChange } from '../../../functions/change/use-cases';
import { createCi, importAwsConfigItem } from '../../../functions/cmdb/use-cases';
import { awsResourceCiId } from '../../../shared/domain/ids';
import { ForbiddenError } from '../../../shared/errors';
import {
  ACCOUNT_ID,
  autoScalingGroupItem,
  ec2InstanceItem,
  lambdaFunctionItem,
  REGION,
  rdsInstanceItem,
} from '../../unit/cmdb/aws-config-items';
import {
  aChange,
  aCi,
  admin,
  aSaturdayNight,
  aTemplate,
  ctx,
  readingClient,
  requesterPrincipal,
  windowAt,
  writingClient,
} from './support';

/** A standard change on `cis`, Scheduled for `window`. */
async function aScheduledChange(cis: string[], window: Interval): Promise<Change> {
  const template = await aTemplate(cis);
  const { change } = await createChange(
    {
      model: 'standard',
      templateId: template.id,
      plannedStart: window.start,
      plannedEnd: window.end,
      assignmentGroup: 'network',
    },
    ctx(writingClient),
  );
  return transitionChange(change.id, { action: 'schedule' }, ctx());
}

const codesOf = (decision: { reasons: { code: string }[] }) =>
  decision.reasons.map((reason) => reason.code);

describe('the pipeline gate', () => {
  it('allows a deployment within the window of a scheduled change covering every CI', async () => {
    const base = aSaturdayNight();
    const [web, db] = [await aCi(), await aCi()];
    const change = await aScheduledChange([web, db], windowAt(base, 0, 4));

    const decision = await checkDeployment(
      { targets: [web, db], window: windowAt(base, 1, 2) },
      readingClient,
    );

    expect(decision.decision).toBe('allow');
    expect(codesOf(decision)).toEqual(['covered', 'covered']);
    expect(decision.coveredBy).toEqual([
      { ci: web, changeId: change.id, number: change.number },
      { ci: db, changeId: change.id, number: change.number },
    ]);
    expect(decision.targets).toEqual([
      { target: web, ci: web },
      { target: db, ci: db },
    ]);
  });

  it('denies outside the planned window, for a change not yet authorized, and under another change', async () => {
    const base = aSaturdayNight();
    const ci = await aCi();
    const scheduled = await aScheduledChange([ci], windowAt(base, 0, 2));
    const unapproved = await aChange([await aCi()]);

    const late = await checkDeployment(
      { targets: [ci], window: windowAt(base, 1, 3) },
      readingClient,
    );
    expect(late.decision).toBe('deny');
    expect(codesOf(late)).toEqual(['no-approved-change']);

    const notAuthorized = await checkDeployment(
      {
        targets: unapproved.affectedCis,
        window: { start: unapproved.plannedStart ?? '', end: unapproved.plannedEnd ?? '' },
      },
      readingClient,
    );
    expect(codesOf(notAuthorized)).toEqual(['no-approved-change']);

    const other = await checkDeployment(
      { targets: [ci], window: windowAt(base, 0, 1), change: unapproved.number.toLowerCase() },
      readingClient,
    );
    expect(codesOf(other)).toEqual(['no-approved-change']);
    expect(other.reasons[0]?.message).toContain(`under ${unapproved.number}`);

    const named = await checkDeployment(
      { targets: [ci], window: windowAt(base, 0, 1), change: scheduled.number },
      readingClient,
    );
    expect(named.decision).toBe('allow');
  });

  it('denies targets the CMDB does not know, CI ids and ARNs alike', async () => {
    const decision = await checkDeployment(
      {
        targets: ['no-such-ci', `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:never-imported`],
        window: windowAt(aSaturdayNight(), 0, 1),
      },
      readingClient,
    );
    expect(decision.decision).toBe('deny');
    expect(codesOf(decision)).toEqual(['unknown-resource', 'unknown-resource']);
    expect(decision.targets.every((target) => target.ci === undefined)).toBe(true);
  });

  it('maps the ARNs of AWS resources imported from AWS Config to their CIs', async () => {
    const base = aSaturdayNight();
    const name = `orders-${crypto.randomUUID().slice(0, 8)}`;
    const arn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;
    const { ciId } = await importAwsConfigItem(
      {
        ...lambdaFunctionItem(),
        resourceId: name,
        resourceName: name,
        ARN: arn,
        relationships: [],
      },
      ctx(admin),
    );
    const change = await aScheduledChange([ciId], windowAt(base, 0, 2));

    const decision = await checkDeployment(
      { targets: [arn], window: windowAt(base, 0, 1) },
      readingClient,
    );

    expect(decision.targets).toEqual([{ target: arn, ci: ciId }]);
    expect(decision).toMatchObject({ decision: 'allow', coveredBy: [{ number: change.number }] });
  });

  it('finds through the CMDB ARN index the CIs whose ARNs their derived ids miss', async () => {
    const base = aSaturdayNight();
    const suffix = crypto.randomUUID().slice(0, 8);
    // AWS Config records an RDS instance by its DbiResourceId, which its ARN does not hold.
    const databaseArn = `arn:aws:rds:${REGION}:${ACCOUNT_ID}:db:orders-${suffix}`;
    const { ciId: database } = await importAwsConfigItem(
      {
        ...rdsInstanceItem(),
        arn: databaseArn,
        resourceId: `db-${suffix.toUpperCase()}`,
        resourceName: `orders-${suffix}`,
        relationships: [],
      },
      ctx(admin),
    );
    expect(candidateCiIds(databaseArn)).not.toContain(database);
    // A bucket's ARN names no region or account; this CI was entered by hand with its ARN.
    const bucketArn = `arn:aws:s3:::invoices-${suffix}`;
    const { ci: bucket } = await createCi(
      {
        ciClass: 'storage',
        name: `invoices-${suffix}`,
        criticality: 2,
        environment: 'production',
        lifecycleState: 'operational',
        attributes: { arn: bucketArn },
      } as Parameters<typeof createCi>[0],
      ctx(admin),
    );
    const change = await aScheduledChange([database, bucket.id], windowAt(base, 0, 2));

    const decision = await checkDeployment(
      { targets: [databaseArn, bucketArn], window: windowAt(base, 0, 1) },
      readingClient,
    );

    expect(decision.targets).toEqual([
      { target: databaseArn, ci: database },
      { target: bucketArn, ci: bucket.id },
    ]);
    expect(decision.decision).toBe('allow');
    expect(decision.coveredBy).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ci: database, number: change.number }),
        expect.objectContaining({ ci: bucket.id, number: change.number }),
      ]),
    );
  });

  it('derives the CI ids AWS Config imports give from their ARNs', () => {
    for (const item of [ec2InstanceItem(), lambdaFunctionItem(), autoScalingGroupItem()]) {
      const ciId = awsResourceCiId({ accountId: ACCOUNT_ID, region: REGION, ...item });
      expect(candidateCiIds(item.ARN), item.resourceType).toContain(ciId);
    }
    // A bucket's ARN names no region, so it does not determine the CI.
    expect(candidateCiIds('arn:aws:s3:::invoices')).toEqual([]);
  });

  it('denies in a blackout window covering the CIs', async () => {
    const base = aSaturdayNight();
    const ci = await aCi();
    await aScheduledChange([ci], windowAt(base, 0, 4));
    const freeze = windowAt(base, 2, 3);
    await createBlackoutWindow(
      { name: 'Freeze', start: freeze.start, end: freeze.end, scope: { kind: 'cis', cis: [ci] } },
      ctx(admin),
    );

    const before = await checkDeployment(
      { targets: [ci], window: windowAt(base, 0, 1) },
      readingClient,
    );
    expect(before.decision).toBe('allow');

    const during = await checkDeployment(
      { targets: [ci], window: windowAt(base, 1, 3) },
      readingClient,
    );
    expect(during.decision).toBe('deny');
    expect(codesOf(during)).toEqual(['blackout']);
  });

  it('denies while another change is being implemented on the same CI, and warns while it is only scheduled', async () => {
    const base = aSaturdayNight();
    const ci = await aCi();
    const ours = await aScheduledChange([ci], windowAt(base, 0, 4));
    const theirs = await aScheduledChange([ci], windowAt(base, 2, 6));
    const request = { targets: [ci], window: windowAt(base, 0, 1), change: ours.number };

    const scheduled = await checkDeployment(request, readingClient);
    expect(scheduled.decision).toBe('allow');
    expect(scheduled.warnings.join(' ')).toContain(theirs.number);

    await transitionChange(theirs.id, { action: 'implement' }, ctx());
    const implementing = await checkDeployment(request, readingClient);
    expect(implementing.decision).toBe('deny');
    expect(codesOf(implementing)).toEqual(['conflict']);
  });

  it('answers those who may view changes only', async () => {
    await expect(
      checkDeployment(
        { targets: ['any-ci'], window: windowAt(aSaturdayNight(), 0, 1) },
        requesterPrincipal(),
      ),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});
