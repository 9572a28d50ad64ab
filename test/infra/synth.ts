import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { type BuildAppOptions, buildApp } from '../../infra/build-app';
import {
  DeadLetterQueues,
  type DeadLetterQueuesByConsumer,
  type EventConsumerName,
} from '../../infra/constructs/dead-letter-queues';

/** Synthesizing takes seconds, more than vitest's default hook timeout. */
export const SYNTH_TIMEOUT = 180_000;

export interface ValidationViolation {
  ruleName: string;
  severity: string;
  violatingConstructs: { constructPath: string }[];
}

/** The part of `validation-report.json` (cdk-nag, CloudFormation checks, annotations) we read. */
export interface ValidationReport {
  pluginReports: { pluginName: string; violations: ValidationViolation[] }[];
}

export interface SynthesizedApp {
  app: App;
  statefulStack: Stack;
  statelessStack: Stack;
  stateful: Template;
  stateless: Template;
  validationReport: ValidationReport;
}

/** Synthesizes the app as `cdk synth` would, without bundling, into a fresh directory. */
export function synthesize(
  options: Omit<BuildAppOptions, 'bundle' | 'outdir'> = {},
): SynthesizedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-cdk-'));
  const app = buildApp({ ...options, bundle: false, outdir });
  const assembly = app.synth();
  const statefulStack = stackById(app, 'ItsmStateful');
  const statelessStack = stackById(app, 'ItsmStateless');
  return {
    app,
    statefulStack,
    statelessStack,
    stateful: Template.fromStack(statefulStack),
    stateless: Template.fromStack(statelessStack),
    validationReport: JSON.parse(
      readFileSync(join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8'),
    ) as ValidationReport,
  };
}

/** Runs `build` with context given the way the CDK CLI passes `-c key=value` (all strings). */
export function withCliContext<T>(context: Record<string, string>, build: () => T): T {
  const previous = process.env.CDK_CONTEXT_JSON;
  process.env.CDK_CONTEXT_JSON = JSON.stringify(context);
  try {
    return build();
  } finally {
    if (previous === undefined) delete process.env.CDK_CONTEXT_JSON;
    else process.env.CDK_CONTEXT_JSON = previous;
  }
}

function stackById(app: App, id: string): Stack {
  const stack = app.node.findChild(id);
  if (!Stack.isStack(stack)) throw new Error(`${id} is not a stack`);
  return stack;
}

/**
 * The stateless stack reads the stateful stack's values through `Fn::GetStackOutput` (weak
 * cross-stack references); this follows such a reference to the producing expression, e.g.
 * `{ 'Fn::GetAtt': ['Table…', 'StreamArn'] }`, so tests can check what is wired to what.
 */
export function producerOf(value: unknown, producer: Template): unknown {
  const reference = (value as { 'Fn::GetStackOutput'?: { OutputName: string } })[
    'Fn::GetStackOutput'
  ];
  if (!reference) throw new Error(`Not a cross-stack reference: ${JSON.stringify(value)}`);
  const outputs = producer.toJSON().Outputs as Record<string, { Value: unknown }>;
  const output = outputs[reference.OutputName];
  if (!output) throw new Error(`The producer has no output ${reference.OutputName}`);
  return output.Value;
}

/**
 * The event consumers' dead-letter queues in a stack of their own, as the stateful stack has
 * them, and as `consumers` (a stack under test) refers to them.
 */
export function deadLettersBeside(consumers: Stack): {
  stack: Stack;
  queues: DeadLetterQueuesByConsumer;
} {
  const stack = new Stack(consumers.node.scope as App, `${consumers.node.id}DeadLetters`);
  const { queues } = new DeadLetterQueues(stack, 'DeadLetters');
  return { stack, queues: DeadLetterQueues.referencedFrom(consumers, queues) };
}

/** The ARN of a consumer's dead-letter queue in the stack that has them (the stateful one). */
export function deadLetterArnIn(template: Template, consumer: EventConsumerName): unknown {
  return {
    'Fn::GetAtt': [
      resourceNamed(template, 'AWS::SQS::Queue', `DeadLetters${consumer}`).logicalId,
      'Arn',
    ],
  };
}

/** The single resource of `type` whose logical id starts with `prefix`. */
export function resourceNamed(
  template: Template,
  type: string,
  prefix: string,
): { logicalId: string; properties: Record<string, unknown> } {
  const matches = Object.entries(template.findResources(type)).filter(([logicalId]) =>
    logicalId.startsWith(prefix),
  );
  if (matches.length !== 1) {
    throw new Error(`Expected one ${type} named ${prefix}*, found ${matches.length}`);
  }
  const [logicalId, resource] = matches[0] as [string, { Properties: Record<string, unknown> }];
  return { logicalId, properties: resource.Properties };
}
