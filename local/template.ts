import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CfnTableProperties, LOCAL_AWS } from './dynamodb';
import type { LocalRule, LocalRuleTarget } from './event-bus';
import { LOCAL_CLIENT_ID, LOCAL_ISSUER, LOCAL_USER_POOL_ID } from './keys';
import type { LocalQueueDefinition } from './queues';

/**
 * Reads the local runtime's wiring from a synthesized CDK cloud assembly, so that what runs
 * locally is what deploys: tables, buses, functions (with their environment resolved to local
 * values), HTTP routes, event rules, queues, event source mappings, pipes and state machines.
 */

export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = LOCAL_AWS.region;
const STAGE_NAME = '$default';

export class TemplateWiringError extends Error {
  override readonly name = 'TemplateWiringError';
}

/**
 * Synthesizes the CDK app into `outdir` (emptied first, so no stale asset survives) with
 * bundled function code, in this process. Returns `outdir`.
 */
export async function synthesize(outdir: string): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  const { buildApp } = await import('../infra/build-app');
  buildApp({ outdir, stage: 'local', bundle: true }).synth();
  return outdir;
}

/** What a resolved ARN, name or URL points at among the template's resources. */
export type LocalResourceKind =
  | 'table'
  | 'tableStream'
  | 'bus'
  | 'queue'
  | 'function'
  | 'stateMachine'
  | 'external';

export interface ResolvedArn {
  kind: LocalResourceKind;
  arn: string;
  /** The resource's logical id; absent for `external` (nothing of the template). */
  logicalId?: string;
}

export interface LocalTable {
  logicalId: string;
  name: string;
  arn: string;
  streamArn: string | undefined;
  properties: CfnTableProperties;
}

export interface LocalBus {
  logicalId: string;
  name: string;
  arn: string;
  /** Whether an `AWS::Events::Archive` keeps the bus's events. */
  archived: boolean;
}

export interface LocalFunction {
  logicalId: string;
  name: string;
  arn: string;
  /** Absolute path of the bundled code. */
  assetDir: string;
  /** `<file>.<export>`, e.g. `index.handler`. */
  handler: string;
  runtime: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
}

export interface LocalAuthorizer {
  logicalId: string;
  issuer: string;
  audience: string[];
  identitySource: string[];
}

export interface LocalRoute {
  /** `METHOD /path/{param}`, `ANY /path` or `$default`. */
  routeKey: string;
  functionLogicalId: string;
  /** Present when the route requires a JWT. */
  authorizer: LocalAuthorizer | undefined;
  /** The token needs at least one of these (when any). */
  authorizationScopes: string[];
}

export interface LocalCors {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAgeSeconds: number | undefined;
}

export interface LocalHttpApi {
  logicalId: string;
  cors: LocalCors | undefined;
  routes: LocalRoute[];
}

export interface LocalQueue extends LocalQueueDefinition {
  url: string;
  arn: string;
}

export interface LocalEventSourceMapping {
  logicalId: string;
  queueLogicalId: string;
  functionLogicalId: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  enabled: boolean;
}

export interface LocalPipe {
  logicalId: string;
  sourceTableLogicalId: string;
  /** Parsed `FilterCriteria` patterns; a record passes when it matches any. */
  filters: Record<string, unknown>[];
  batchSize: number;
  startingPosition: 'LATEST' | 'TRIM_HORIZON';
  /** Attempts per batch; unlimited (undefined) unless the template sets a maximum. */
  maximumRetryAttempts: number | undefined;
  enrichmentFunctionLogicalId: string | undefined;
  targetBusLogicalId: string;
  targetBusName: string;
  inputTemplate: string | undefined;
  /** JSON path (`$.detailType`) or literal. */
  detailType: string | undefined;
  source: string | undefined;
}

export interface LocalStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  /** The Amazon States Language definition with every ARN resolved to a local one. */
  definition: string;
  type: string;
}

export interface LocalWiring {
  region: string;
  accountId: string;
  tables: LocalTable[];
  buses: LocalBus[];
  functions: LocalFunction[];
  api: LocalHttpApi | undefined;
  /** Enabled rules; `eventBusName` is `default` when the template names no bus. */
  rules: LocalRule[];
  queues: LocalQueue[];
  eventSourceMappings: LocalEventSourceMapping[];
  pipes: LocalPipe[];
  stateMachines: LocalStateMachine[];
  /** Finds the template resource a resolved ARN, name or URL stands for. */
  classify(arnOrName: string): ResolvedArn;
}

/** Where the local services listen; the defaults only suit reading the wiring. */
export interface ReadWiringOptions {
  /** Base URL of the local SQS service; queue URLs are `<sqsEndpoint>/<account>/<name>`. */
  sqsEndpoint?: string;
  /** What the HTTP API's `ApiEndpoint` resolves to. */
  apiUrl?: string;
}

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  Condition?: string;
}

interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, { Default?: unknown }>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

interface StackTemplate {
  /** The stack's name (`AWS::StackName`). */
  name: string;
  /** Directory of the (possibly nested) cloud assembly holding the template. */
  dir: string;
  template: CfnTemplate;
  assetPaths: Map<string, string>;
}

interface ManifestArtifact {
  type: string;
  properties?: {
    templateFile?: string;
    stackName?: string;
    file?: string;
    directoryName?: string;
  };
}

interface AssetManifest {
  files?: Record<
    string,
    { source: { path?: string }; destinations: Record<string, { objectKey: string }> }
  >;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Every stack template of the assembly in `dir`, including nested (stage) assemblies. */
function readStacks(dir: string): StackTemplate[] {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new TemplateWiringError(`No cloud assembly in ${dir} (manifest.json is missing).`);
  }
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(manifestPath);
  const artifacts = Object.entries(manifest.artifacts ?? {});
  const assetPaths = new Map<string, string>();
  for (const [, artifact] of artifacts) {
    if (artifact.type !== 'cdk:asset-manifest' || !artifact.properties?.file) continue;
    const assets = readJson<AssetManifest>(join(dir, artifact.properties.file));
    for (const file of Object.values(assets.files ?? {})) {
      if (!file.source.path) continue;
      for (const destination of Object.values(file.destinations)) {
        assetPaths.set(destination.objectKey, resolve(dir, file.source.path));
      }
    }
  }
  const stacks: StackTemplate[] = [];
  for (const [id, artifact] of artifacts) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      stacks.push({
        name: artifact.properties.stackName ?? id,
        dir,
        template: readJson<CfnTemplate>(join(dir, artifact.properties.templateFile)),
        assetPaths,
      });
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      stacks.push(...readStacks(join(dir, artifact.properties.directoryName)));
    }
  }
  return stacks;
}

interface ResourceRef {
  stack: StackTemplate;
  logicalId: string;
  resource: CfnResource;
}

/** Where in the templates a value is being resolved, for error messages. */
interface ResolveContext {
  stack: StackTemplate;
  logicalId: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Resolves CloudFormation intrinsics to the values the local runtime gives each resource.
 * Only what the wiring reads gets resolved, so unrelated resources (IAM, permissions) never
 * need a local meaning.
 */
class TemplateResolver {
  private readonly exports = new Map<string, { stack: StackTemplate; value: unknown }>();
  private readonly resolving = new Set<string>();

  constructor(
    readonly stacks: StackTemplate[],
    private readonly options: Required<ReadWiringOptions>,
  ) {
    for (const stack of stacks) {
      for (const [outputId, output] of Object.entries(stack.template.Outputs ?? {})) {
        if (output.Export === undefined) continue;
        const name = this.resolveString(output.Export.Name, { stack, logicalId: outputId });
        this.exports.set(name, { stack, value: output.Value });
      }
    }
  }

  resourcesOfType(...types: string[]): ResourceRef[] {
    return this.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources ?? {})
        .filter(([, resource]) => types.includes(resource.Type))
        .map(([logicalId, resource]) => ({ stack, logicalId, resource })),
    );
  }

  /** Resolves `value` and every intrinsic in it; `AWS::NoValue` removes the entry. */
  resolve(value: unknown, ctx: ResolveContext): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolve(item, ctx)).filter((item) => item !== NO_VALUE);
    }
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    const [intrinsic] = keys;
    if (keys.length === 1 && intrinsic !== undefined && isIntrinsic(intrinsic)) {
      return this.resolveIntrinsic(intrinsic, value[intrinsic], ctx);
    }
    const resolved: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const result = this.resolve(item, ctx);
      if (result !== NO_VALUE) resolved[key] = result;
    }
    return resolved;
  }

  resolveString(value: unknown, ctx: ResolveContext): string {
    const resolved = this.resolve(value, ctx);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new TemplateWiringError(
      `${where(ctx)}: expected a string, got ${JSON.stringify(resolved)}.`,
    );
  }

  private resolveIntrinsic(name: string, argument: unknown, ctx: ResolveContext): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(argument), ctx);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument)
          ? [String(argument[0]), String(argument[1])]
          : splitOnce(String(argument), '.');
        return this.getAtt(logicalId, attribute, ctx);
      }
      case 'Fn::ImportValue':
        return this.importValue(this.resolveString(argument, ctx), ctx);
      case 'Fn::GetStackOutput': {
        const { StackName, OutputName } = argument as { StackName: unknown; OutputName: unknown };
        return this.stackOutput(
          this.resolveString(StackName, ctx),
          this.resolveString(OutputName, ctx),
          ctx,
        );
      }
      case 'Fn::Join': {
        const [separator, items] = argument as [string, unknown];
        const list = this.resolve(items, ctx);
        if (!Array.isArray(list)) throw new TemplateWiringError(`${where(ctx)}: bad Fn::Join.`);
        return list.map((item) => this.stringOf(item, ctx)).join(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(argument)
          ? [String(argument[0]), (argument[1] ?? {}) as Record<string, unknown>]
          : [String(argument), {}];
        return this.sub(text, variables, ctx);
      }
      case 'Fn::Select': {
        const [index, items] = argument as [unknown, unknown];
        const list = this.resolve(items, ctx);
        const position = Number(this.resolve(index, ctx));
        if (!Array.isArray(list) || list[position] === undefined) {
          throw new TemplateWiringError(
            `${where(ctx)}: Fn::Select index ${position} is out of range.`,
          );
        }
        return list[position];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return this.resolveString(text, ctx).split(separator);
      }
      case 'Fn::FindInMap': {
        const [map, first, second] = (argument as unknown[]).map((part) =>
          this.resolveString(part, ctx),
        );
        const found = ctx.stack.template.Mappings?.[map ?? '']?.[first ?? '']?.[second ?? ''];
        if (found === undefined) {
          throw new TemplateWiringError(
            `${where(ctx)}: Fn::FindInMap ${map}.${first}.${second} is not defined.`,
          );
        }
        return found;
      }
      default:
        throw new TemplateWiringError(
          `${where(ctx)}: the local runtime cannot resolve ${name} (${JSON.stringify(argument)}).`,
        );
    }
  }

  private stringOf(value: unknown, ctx: ResolveContext): string {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return String(value);
    }
    throw new TemplateWiringError(`${where(ctx)}: cannot join ${JSON.stringify(value)}.`);
  }

  private sub(text: string, variables: Record<string, unknown>, ctx: ResolveContext): string {
    return text.replace(/\$\{(!?)([^}]*)\}/g, (_match, literal: string, expression: string) => {
      if (literal) return `\${${expression}}`;
      if (expression in variables) return this.resolveString(variables[expression], ctx);
      if (expression.includes('.') && !expression.startsWith('AWS::')) {
        const [logicalId, attribute] = splitOnce(expression, '.');
        return this.stringOf(this.getAtt(logicalId, attribute, ctx), ctx);
      }
      return this.stringOf(this.ref(expression, ctx), ctx);
    });
  }

  private importValue(name: string, ctx: ResolveContext): unknown {
    const exported = this.exports.get(name);
    if (!exported) {
      throw new TemplateWiringError(`${where(ctx)}: no stack exports ${name}.`);
    }
    return this.guarded(`export:${name}`, ctx, () =>
      this.resolve(exported.value, { stack: exported.stack, logicalId: `export ${name}` }),
    );
  }

  private stackOutput(stackName: string, outputName: string, ctx: ResolveContext): unknown {
    const stack = this.stacks.find((candidate) => candidate.name === stackName);
    const output = stack?.template.Outputs?.[outputName];
    if (!stack || !output) {
      throw new TemplateWiringError(
        `${where(ctx)}: stack ${stackName} has no output ${outputName}.`,
      );
    }
    return this.guarded(`output:${stackName}.${outputName}`, ctx, () =>
      this.resolve(output.Value, { stack, logicalId: `output ${outputName}` }),
    );
  }

  private ref(name: string, ctx: ResolveContext): unknown {
    const pseudo = this.pseudoParameter(name, ctx);
    if (pseudo !== undefined) return pseudo;
    const parameter = ctx.stack.template.Parameters?.[name];
    if (parameter) {
      if (parameter.Default === undefined) {
        throw new TemplateWiringError(`${where(ctx)}: parameter ${name} has no default.`);
      }
      return parameter.Default;
    }
    return this.attributeOf(this.resource(name, ctx), 'Ref', ctx);
  }

  private getAtt(logicalId: string, attribute: string, ctx: ResolveContext): unknown {
    return this.attributeOf(this.resource(logicalId, ctx), attribute, ctx);
  }

  private pseudoParameter(name: string, ctx: ResolveContext): unknown {
    switch (name) {
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT_ID;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return ctx.stack.name;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stack/${ctx.stack.name}/local`;
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return undefined;
    }
  }

  resource(logicalId: string, ctx: ResolveContext): ResourceRef {
    const resource = ctx.stack.template.Resources?.[logicalId];
    if (!resource) {
      throw new TemplateWiringError(
        `${where(ctx)}: ${logicalId} is not a resource of ${ctx.stack.name}.`,
      );
    }
    return { stack: ctx.stack, logicalId, resource };
  }

  /** A resource's `Ref` (attribute `Ref`) or `Fn::GetAtt` value under the local runtime. */
  attributeOf(target: ResourceRef, attribute: string, ctx: ResolveContext): unknown {
    const local = this.localIdentity(target);
    const value = local?.[attribute];
    if (value === undefined) {
      const what = attribute === 'Ref' ? 'Ref' : `Fn::GetAtt ${attribute}`;
      throw new TemplateWiringError(
        `${where(ctx)}: the local runtime has no value for ${what} of ${target.logicalId} (${target.resource.Type}).`,
      );
    }
    return value;
  }

  /** The local names, ARNs and URLs of a resource, keyed by `Ref` and attribute names. */
  localIdentity(target: ResourceRef): Record<string, string> | undefined {
    const { stack, logicalId, resource } = target;
    const ctx = { stack, logicalId };
    const prefix = `arn:aws:`;
    const account = `${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}`;
    const physicalName = (property: string, suffix = '') =>
      resource.Properties?.[property] === undefined
        ? `${stack.name}-${logicalId}${suffix}`
        : this.guarded(`${stack.name}/${logicalId}/${property}`, ctx, () =>
            this.resolveString(resource.Properties?.[property], ctx),
          );
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable': {
        const name = physicalName('TableName');
        const arn = `${prefix}dynamodb:${account}:table/${name}`;
        return { Ref: name, Arn: arn, StreamArn: `${arn}/stream/local` };
      }
      case 'AWS::Events::EventBus': {
        const name = physicalName('Name');
        return { Ref: name, Name: name, Arn: `${prefix}events:${account}:event-bus/${name}` };
      }
      case 'AWS::SQS::Queue': {
        const fifo =
          resource.Properties?.FifoQueue === true || resource.Properties?.FifoQueue === 'true';
        const name = physicalName('QueueName', fifo ? '.fifo' : '');
        const url = `${this.options.sqsEndpoint}/${LOCAL_ACCOUNT_ID}/${name}`;
        return { Ref: url, QueueUrl: url, QueueName: name, Arn: `${prefix}sqs:${account}:${name}` };
      }
      case 'AWS::Lambda::Function': {
        const name = physicalName('FunctionName');
        return { Ref: name, Arn: `${prefix}lambda:${account}:function:${name}` };
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = physicalName('StateMachineName');
        const arn = `${prefix}states:${account}:stateMachine:${name}`;
        return { Ref: arn, Arn: arn, Name: name };
      }
      case 'AWS::Cognito::UserPool':
        return {
          Ref: LOCAL_USER_POOL_ID,
          UserPoolId: LOCAL_USER_POOL_ID,
          Arn: `${prefix}cognito-idp:${account}:userpool/${LOCAL_USER_POOL_ID}`,
          ProviderName: LOCAL_ISSUER.replace('https://', ''),
          ProviderURL: LOCAL_ISSUER,
        };
      case 'AWS::Cognito::UserPoolClient':
        return { Ref: LOCAL_CLIENT_ID, ClientId: LOCAL_CLIENT_ID };
      case 'AWS::ApiGatewayV2::Api':
        return { Ref: logicalId, ApiId: logicalId, ApiEndpoint: this.options.apiUrl };
      case 'AWS::ApiGatewayV2::Integration':
      case 'AWS::ApiGatewayV2::Authorizer':
        return { Ref: logicalId };
      case 'AWS::ApiGatewayV2::Stage':
        return { Ref: STAGE_NAME };
      case 'AWS::IAM::Role': {
        const name = physicalName('RoleName');
        return { Ref: name, Arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${name}` };
      }
      case 'AWS::Logs::LogGroup': {
        const name = physicalName('LogGroupName');
        return { Ref: name, Arn: `${prefix}logs:${account}:log-group:${name}:*` };
      }
      case 'AWS::Scheduler::ScheduleGroup': {
        const name = physicalName('Name');
        return { Ref: name, Arn: `${prefix}scheduler:${account}:schedule-group/${name}` };
      }
      default:
        return undefined;
    }
  }

  /** Runs `work` unless it is already running for `key` (a reference cycle). */
  private guarded<T>(key: string, ctx: ResolveContext, work: () => T): T {
    if (this.resolving.has(key)) {
      throw new TemplateWiringError(`${where(ctx)}: circular reference through ${key}.`);
    }
    this.resolving.add(key);
    try {
      return work();
    } finally {
      this.resolving.delete(key);
    }
  }
}

const NO_VALUE = Symbol('AWS::NoValue');

function isIntrinsic(key: string): boolean {
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::');
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, ''] : [text.slice(0, index), text.slice(index + 1)];
}

function where(ctx: ResolveContext): string {
  return `${ctx.stack.name}/${ctx.logicalId}`;
}

function asNumber(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  return Number.isFinite(number) ? number : fallback;
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** Reads the assembly in `outdir` and resolves everything the local runtime runs. */
export function readWiring(outdir: string, options: ReadWiringOptions = {}): LocalWiring {
  const resolver = new TemplateResolver(readStacks(outdir), {
    sqsEndpoint: options.sqsEndpoint ?? 'http://127.0.0.1:9324',
    apiUrl: options.apiUrl ?? 'http://127.0.0.1:3000',
  });
  const index = buildIndex(resolver);
  const classify = (arnOrName: string): ResolvedArn =>
    index.get(arnOrName) ?? { kind: 'external', arn: arnOrName };
  const props = (ref: ResourceRef) => {
    const ctx = { stack: ref.stack, logicalId: ref.logicalId };
    const raw = ref.resource.Properties ?? {};
    return {
      ctx,
      raw,
      get: (name: string) => resolver.resolve(raw[name], ctx),
      string: (name: string) => resolver.resolveString(raw[name], ctx),
      identity: resolver.localIdentity(ref) ?? {},
    };
  };
  const logicalIdOf = (ref: ResolvedArn, kind: LocalResourceKind, ctx: ResolveContext): string => {
    if (ref.kind !== kind || ref.logicalId === undefined) {
      throw new TemplateWiringError(
        `${where(ctx)}: ${ref.arn} is not a ${kind} of the template (the local runtime runs only those).`,
      );
    }
    return ref.logicalId;
  };

  const tables = resolver
    .resourcesOfType('AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable')
    .map((ref): LocalTable => {
      const { get, identity } = props(ref);
      const properties = {
        KeySchema: get('KeySchema'),
        AttributeDefinitions: get('AttributeDefinitions'),
        GlobalSecondaryIndexes: get('GlobalSecondaryIndexes'),
        StreamSpecification: get('StreamSpecification'),
        TimeToLiveSpecification: get('TimeToLiveSpecification'),
      } as CfnTableProperties;
      return {
        logicalId: ref.logicalId,
        name: identity.Ref as string,
        arn: identity.Arn as string,
        streamArn: properties.StreamSpecification ? identity.StreamArn : undefined,
        properties,
      };
    });

  const archivedBusArns = new Set(
    resolver.resourcesOfType('AWS::Events::Archive').map((ref) => props(ref).string('SourceArn')),
  );
  const buses = resolver.resourcesOfType('AWS::Events::EventBus').map((ref): LocalBus => {
    const { identity } = props(ref);
    const arn = identity.Arn as string;
    return {
      logicalId: ref.logicalId,
      name: identity.Name as string,
      arn,
      archived: archivedBusArns.has(arn),
    };
  });

  const functions = resolver
    .resourcesOfType('AWS::Lambda::Function')
    .filter((ref) => String(ref.resource.Properties?.Runtime ?? '').startsWith('nodejs'))
    .map((ref): LocalFunction => {
      const { ctx, raw, get, string, identity } = props(ref);
      const variables = (get('Environment') as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      return {
        logicalId: ref.logicalId,
        name: identity.Ref as string,
        arn: identity.Arn as string,
        assetDir: assetDirOf(ref, raw, ctx),
        handler: string('Handler'),
        runtime: string('Runtime'),
        environment: Object.fromEntries(
          Object.entries(variables ?? {}).map(([key, value]) => [key, String(value)]),
        ),
        timeoutSeconds: asNumber(get('Timeout'), 3),
        memoryMb: asNumber(get('MemorySize'), 128),
      };
    });

  const queues = resolver.resourcesOfType('AWS::SQS::Queue').map((ref): LocalQueue => {
    const { ctx, get, identity } = props(ref);
    const redrive = get('RedrivePolicy') as
      | { deadLetterTargetArn?: string; maxReceiveCount?: unknown }
      | string
      | undefined;
    const policy = typeof redrive === 'string' ? JSON.parse(redrive) : redrive;
    const visibilityTimeout = get('VisibilityTimeout');
    return {
      logicalId: ref.logicalId,
      name: identity.QueueName as string,
      url: identity.QueueUrl as string,
      arn: identity.Arn as string,
      fifo: String(get('FifoQueue')) === 'true',
      contentBasedDeduplication: String(get('ContentBasedDeduplication')) === 'true',
      ...(visibilityTimeout === undefined
        ? {}
        : { visibilityTimeoutSeconds: Number(visibilityTimeout) }),
      ...(policy?.deadLetterTargetArn
        ? {
            deadLetter: {
              targetLogicalId: logicalIdOf(classify(policy.deadLetterTargetArn), 'queue', ctx),
              maxReceiveCount: asNumber(policy.maxReceiveCount, 10),
            },
          }
        : {}),
    };
  });

  const rules = resolver
    .resourcesOfType('AWS::Events::Rule')
    .filter((ref) => String(ref.resource.Properties?.State ?? 'ENABLED') !== 'DISABLED')
    .map((ref): LocalRule => {
      const { raw, get } = props(ref);
      const busName = raw.EventBusName === undefined ? 'default' : String(get('EventBusName'));
      const pattern = get('EventPattern');
      const targets = (get('Targets') as Record<string, unknown>[] | undefined) ?? [];
      return {
        id: ref.logicalId,
        eventBusName: busName.startsWith('arn:') ? (busName.split('/').pop() ?? busName) : busName,
        ...(pattern === undefined
          ? {}
          : {
              pattern: (typeof pattern === 'string' ? JSON.parse(pattern) : pattern) as Record<
                string,
                unknown
              >,
            }),
        ...(raw.ScheduleExpression === undefined
          ? {}
          : { schedule: String(get('ScheduleExpression')) }),
        targets: targets.map((target) => ruleTarget(target, classify)),
      };
    });

  const eventSourceMappings = resolver
    .resourcesOfType('AWS::Lambda::EventSourceMapping')
    .map((ref): LocalEventSourceMapping => {
      const { ctx, get, string } = props(ref);
      const functionName = string('FunctionName');
      return {
        logicalId: ref.logicalId,
        queueLogicalId: logicalIdOf(classify(string('EventSourceArn')), 'queue', ctx),
        functionLogicalId: logicalIdOf(classify(functionName), 'function', ctx),
        batchSize: asNumber(get('BatchSize'), 10),
        maximumBatchingWindowSeconds: asNumber(get('MaximumBatchingWindowInSeconds'), 0),
        reportBatchItemFailures: asStrings(get('FunctionResponseTypes')).includes(
          'ReportBatchItemFailures',
        ),
        enabled: String(get('Enabled') ?? 'true') !== 'false',
      };
    });

  const pipes = resolver.resourcesOfType('AWS::Pipes::Pipe').map((ref): LocalPipe => {
    const { ctx, raw, get, string } = props(ref);
    const source = get('SourceParameters') as
      | {
          FilterCriteria?: { Filters?: { Pattern: string }[] };
          DynamoDBStreamParameters?: {
            BatchSize?: unknown;
            StartingPosition?: 'LATEST' | 'TRIM_HORIZON';
            MaximumRetryAttempts?: unknown;
          };
        }
      | undefined;
    const target = get('TargetParameters') as
      | {
          InputTemplate?: string;
          EventBridgeEventBusParameters?: { DetailType?: string; Source?: string };
        }
      | undefined;
    const targetBus = classify(string('Target'));
    const busLogicalId = logicalIdOf(targetBus, 'bus', ctx);
    return {
      logicalId: ref.logicalId,
      sourceTableLogicalId: logicalIdOf(classify(string('Source')), 'tableStream', ctx),
      filters: (source?.FilterCriteria?.Filters ?? []).map(
        (filter) => JSON.parse(filter.Pattern) as Record<string, unknown>,
      ),
      batchSize: asNumber(source?.DynamoDBStreamParameters?.BatchSize, 1),
      startingPosition: source?.DynamoDBStreamParameters?.StartingPosition ?? 'LATEST',
      maximumRetryAttempts:
        source?.DynamoDBStreamParameters?.MaximumRetryAttempts === undefined
          ? undefined
          : Number(source.DynamoDBStreamParameters.MaximumRetryAttempts),
      enrichmentFunctionLogicalId:
        raw.Enrichment === undefined
          ? undefined
          : logicalIdOf(classify(string('Enrichment')), 'function', ctx),
      targetBusLogicalId: busLogicalId,
      targetBusName: buses.find((bus) => bus.logicalId === busLogicalId)?.name ?? busLogicalId,
      inputTemplate: target?.InputTemplate,
      detailType: target?.EventBridgeEventBusParameters?.DetailType,
      source: target?.EventBridgeEventBusParameters?.Source,
    };
  });

  const stateMachines = resolver
    .resourcesOfType('AWS::StepFunctions::StateMachine')
    .map((ref): LocalStateMachine => {
      const { raw, get, string, identity } = props(ref);
      const definition =
        raw.DefinitionString !== undefined
          ? string('DefinitionString')
          : substitute(JSON.stringify(get('Definition') ?? {}), get('DefinitionSubstitutions'));
      return {
        logicalId: ref.logicalId,
        name: identity.Name as string,
        arn: identity.Arn as string,
        definition,
        type: String(get('StateMachineType') ?? 'STANDARD'),
      };
    });

  return {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    tables,
    buses,
    functions,
    api: readHttpApi(resolver, classify, logicalIdOf),
    rules,
    queues,
    eventSourceMappings,
    pipes,
    stateMachines,
    classify,
  };
}

/** `${name}` placeholders of `DefinitionSubstitutions`. */
function substitute(text: string, substitutions: unknown): string {
  if (!isRecord(substitutions)) return text;
  return text.replace(/\$\{([^}]+)\}/g, (match, name: string) =>
    name in substitutions ? String(substitutions[name]) : match,
  );
}

const TARGET_KINDS: Partial<Record<LocalResourceKind, LocalRuleTarget['kind']>> = {
  queue: 'sqs',
  function: 'lambda',
  stateMachine: 'stepfunctions',
};

function ruleTarget(
  target: Record<string, unknown>,
  classify: (arn: string) => ResolvedArn,
): LocalRuleTarget {
  const arn = String(target.Arn);
  const deadLetter = (target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
  const groupId = (target.SqsParameters as { MessageGroupId?: string } | undefined)?.MessageGroupId;
  const transformer = target.InputTransformer as LocalRuleTarget['inputTransformer'];
  return {
    id: String(target.Id),
    arn,
    kind: TARGET_KINDS[classify(arn).kind] ?? 'other',
    ...(target.Input === undefined ? {} : { input: String(target.Input) }),
    ...(target.InputPath === undefined ? {} : { inputPath: String(target.InputPath) }),
    ...(transformer === undefined ? {} : { inputTransformer: transformer }),
    ...(deadLetter === undefined ? {} : { deadLetterArn: deadLetter }),
    ...(groupId === undefined ? {} : { messageGroupId: groupId }),
  };
}

/** Maps every local ARN, name and URL of the runnable resources back to the resource. */
function buildIndex(resolver: TemplateResolver): Map<string, ResolvedArn> {
  const index = new Map<string, ResolvedArn>();
  const kinds: Record<string, LocalResourceKind> = {
    'AWS::DynamoDB::Table': 'table',
    'AWS::DynamoDB::GlobalTable': 'table',
    'AWS::Events::EventBus': 'bus',
    'AWS::SQS::Queue': 'queue',
    'AWS::Lambda::Function': 'function',
    'AWS::StepFunctions::StateMachine': 'stateMachine',
  };
  for (const ref of resolver.resourcesOfType(...Object.keys(kinds))) {
    const kind = kinds[ref.resource.Type] as LocalResourceKind;
    const identity = resolver.localIdentity(ref) ?? {};
    const arn = identity.Arn as string;
    for (const [attribute, value] of Object.entries(identity)) {
      const isStream = attribute === 'StreamArn';
      index.set(value, {
        kind: isStream ? 'tableStream' : kind,
        arn: isStream ? value : arn,
        logicalId: ref.logicalId,
      });
    }
  }
  return index;
}

function assetDirOf(ref: ResourceRef, raw: Record<string, unknown>, ctx: ResolveContext): string {
  const metadataPath = ref.resource.Metadata?.['aws:asset:path'];
  if (typeof metadataPath === 'string') return resolve(ref.stack.dir, metadataPath);
  const code = raw.Code as { S3Key?: unknown } | undefined;
  const assetDir =
    typeof code?.S3Key === 'string' ? ref.stack.assetPaths.get(code.S3Key) : undefined;
  if (!assetDir) {
    throw new TemplateWiringError(
      `${where(ctx)}: the function's code is not a bundled asset of the assembly (inline or external code cannot run locally).`,
    );
  }
  return assetDir;
}

function readHttpApi(
  resolver: TemplateResolver,
  classify: (arn: string) => ResolvedArn,
  logicalIdOf: (ref: ResolvedArn, kind: LocalResourceKind, ctx: ResolveContext) => string,
): LocalHttpApi | undefined {
  const apis = resolver
    .resourcesOfType('AWS::ApiGatewayV2::Api')
    .filter((ref) => String(ref.resource.Properties?.ProtocolType ?? 'HTTP') === 'HTTP');
  if (apis.length === 0) return undefined;
  if (apis.length > 1) {
    throw new TemplateWiringError(
      `The local runtime serves one HTTP API; the template has ${apis.map((api) => api.logicalId).join(', ')}.`,
    );
  }
  const api = apis[0] as ResourceRef;
  const apiCtx = { stack: api.stack, logicalId: api.logicalId };
  const cors = resolver.resolve(api.resource.Properties?.CorsConfiguration, apiCtx) as
    | Record<string, unknown>
    | undefined;
  const ofApi = (ref: ResourceRef) =>
    resolver.resolve(ref.resource.Properties?.ApiId, {
      stack: ref.stack,
      logicalId: ref.logicalId,
    }) === api.logicalId;
  const integrations = new Map(
    resolver
      .resourcesOfType('AWS::ApiGatewayV2::Integration')
      .filter(ofApi)
      .map((ref) => {
        const ctx = { stack: ref.stack, logicalId: ref.logicalId };
        const properties = ref.resource.Properties ?? {};
        const type = resolver.resolveString(properties.IntegrationType, ctx);
        const version = String(resolver.resolve(properties.PayloadFormatVersion, ctx) ?? '1.0');
        if (type !== 'AWS_PROXY' || version !== '2.0') {
          throw new TemplateWiringError(
            `${where(ctx)}: only Lambda proxy integrations with payload format 2.0 run locally (got ${type} ${version}).`,
          );
        }
        const uri = resolver.resolveString(properties.IntegrationUri, ctx);
        // REST-style URIs wrap the function ARN: arn:aws:apigateway:...:path/.../functions/<arn>/invocations
        const functionArn = /functions\/(.+)\/invocations$/.exec(uri)?.[1] ?? uri;
        return [ref.logicalId, logicalIdOf(classify(functionArn), 'function', ctx)] as const;
      }),
  );
  const authorizers = new Map(
    resolver
      .resourcesOfType('AWS::ApiGatewayV2::Authorizer')
      .filter(ofApi)
      .map((ref) => {
        const ctx = { stack: ref.stack, logicalId: ref.logicalId };
        const properties = resolver.resolve(ref.resource.Properties, ctx) as Record<
          string,
          unknown
        >;
        if (properties.AuthorizerType !== 'JWT') {
          throw new TemplateWiringError(
            `${where(ctx)}: only JWT authorizers run locally (got ${String(properties.AuthorizerType)}).`,
          );
        }
        const jwt = properties.JwtConfiguration as { Issuer?: string; Audience?: string[] };
        return [
          ref.logicalId,
          {
            logicalId: ref.logicalId,
            issuer: String(jwt.Issuer),
            audience: [...new Set(asStrings(jwt.Audience))],
            identitySource: asStrings(properties.IdentitySource),
          } satisfies LocalAuthorizer,
        ] as const;
      }),
  );
  const routes = resolver
    .resourcesOfType('AWS::ApiGatewayV2::Route')
    .filter(ofApi)
    .map((ref): LocalRoute => {
      const ctx = { stack: ref.stack, logicalId: ref.logicalId };
      const properties = resolver.resolve(ref.resource.Properties, ctx) as Record<string, unknown>;
      const target = String(properties.Target ?? '');
      const integrationId = target.replace(/^integrations\//, '');
      const functionLogicalId = integrations.get(integrationId);
      if (!functionLogicalId) {
        throw new TemplateWiringError(
          `${where(ctx)}: route target ${target} is not an integration of the API.`,
        );
      }
      const type = String(properties.AuthorizationType ?? 'NONE');
      if (type !== 'NONE' && type !== 'JWT') {
        throw new TemplateWiringError(
          `${where(ctx)}: authorization type ${type} does not run locally.`,
        );
      }
      const authorizer =
        type === 'JWT' ? authorizers.get(String(properties.AuthorizerId)) : undefined;
      if (type === 'JWT' && !authorizer) {
        throw new TemplateWiringError(
          `${where(ctx)}: authorizer ${String(properties.AuthorizerId)} is missing.`,
        );
      }
      return {
        routeKey: String(properties.RouteKey),
        functionLogicalId,
        authorizer,
        authorizationScopes: asStrings(properties.AuthorizationScopes),
      };
    });
  return {
    logicalId: api.logicalId,
    cors: cors
      ? {
          allowOrigins: asStrings(cors.AllowOrigins),
          allowMethods: asStrings(cors.AllowMethods),
          allowHeaders: asStrings(cors.AllowHeaders),
          exposeHeaders: asStrings(cors.ExposeHeaders),
          allowCredentials: cors.AllowCredentials === true,
          maxAgeSeconds: cors.MaxAge === undefined ? undefined : Number(cors.MaxAge),
        }
      : undefined,
    routes,
  };
}
