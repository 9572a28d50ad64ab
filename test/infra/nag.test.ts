import type { Stack } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app';
import { synthesize } from './synth';

describe('cdk-nag AwsSolutions checks', () => {
  it('leave no finding unacknowledged, nor any other validation warning', () => {
    const { validationReport } = synthesize();
    const findings = validationReport.pluginReports.flatMap((report) =>
      report.violations.map(
        (violation) =>
          `${report.pluginName} ${violation.severity} ${violation.ruleName}: ${violation.violatingConstructs
            .map((construct) => construct.constructPath)
            .join(', ')}`,
      ),
    );

    expect(findings).toEqual([]);
  });

  it('run on the app, failing synthesis on a non-compliant resource', () => {
    const app = buildApp({ bundle: false });
    const stack = app.node.findChild('ItsmStateless') as Stack;
    new Queue(stack, 'UnencryptedQueueWithoutDeadLetterQueue', { enforceSSL: false });

    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });
});
