import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import cdkJson from '../cdk.json' with { type: 'json' };
import { readDeploySettings } from './settings';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';

export interface BuildAppOptions {
  /** Overrides the `stage` context (default "dev"). */
  stage?: string;
  /** Cloud assembly directory; defaults to the CLI's, or a temporary one. */
  outdir?: string;
  /** `false` skips bundling the functions, for tests that only inspect templates. */
  bundle?: boolean;
}

/**
 * The CDK app: the stateful stack (table, bus, archive, outbox DLQ) and the stateless stack
 * (identity, API, functions, pipe), checked by cdk-nag's AWS Solutions rules. Synthesizing
 * fails on an unacknowledged error; warnings land in the validation report.
 */
export function buildApp(options: BuildAppOptions = {}): App {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    // The context of cdk.json (feature flags above all) as defaults, so that synthesizing
    // without the CLI (tests, the local runtime) yields the same templates; the CLI's own
    // context still overrides it.
    context: cdkJson.context,
    postCliContext: {
      // The local runtime finds each function's bundle through this metadata.
      'aws:cdk:enable-asset-metadata': true,
      ...(options.stage ? { stage: options.stage } : {}),
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
    },
  });
  const settings = readDeploySettings(app);
  const tags = { project: 'itsm', stage: settings.stage };

  const stateful = new StatefulStack(app, 'ItsmStateful', {
    stackName: `itsm-${settings.stage}-stateful`,
    description: 'ITSM stateful resources: table, event bus and archive, dead-letter queues.',
    terminationProtection: true,
    stage: settings.stage,
    tags,
  });
  new StatelessStack(app, 'ItsmStateless', {
    stackName: `itsm-${settings.stage}-stateless`,
    description: 'ITSM identity, HTTP API, functions and event plumbing.',
    settings,
    tags,
    table: stateful.table,
    eventBus: stateful.eventBus,
    outboxDeadLetterQueue: stateful.outboxDeadLetterQueue,
    deadLetterQueues: stateful.deadLetterQueues.queues,
  });

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return app;
}
