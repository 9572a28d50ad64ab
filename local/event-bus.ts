import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventBridgeEvent as AwsEventBridgeEvent } from 'aws-lambda';
import { compileEventPattern, type EventPatternMatcher } from './event-pattern';

/** Emulates an EventBridge event bus: rules, target input transformation, retries and DLQs. */

export type EventBridgeEvent = AwsEventBridgeEvent<string, unknown>;

export interface LocalRuleTarget {
  id: string;
  arn: string;
  kind: 'sqs' | 'lambda' | 'stepfunctions' | 'other';
  /** `Input`: constant JSON text sent instead of the event. */
  input?: string;
  /** `InputPath`: JSON path of the part of the event to send. */
  inputPath?: string;
  inputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  /** `DeadLetterConfig.Arn`: where events go that could not be delivered. */
  deadLetterArn?: string;
  /** `SqsParameters.MessageGroupId`, for FIFO queue targets. */
  messageGroupId?: string;
}

export interface LocalRule {
  id: string;
  eventBusName: string;
  pattern?: object;
  schedule?: string;
  targets: LocalRuleTarget[];
}

export interface PutEventsEntry {
  source: string;
  detailType: string;
  detail: unknown;
  time?: string;
  resources?: string[];
}

/** An event that exhausted its delivery attempts. */
export interface UndeliveredEvent {
  deadLetterArn: string;
  event: EventBridgeEvent;
  /** The payload the target would have received. */
  input: string;
  target: LocalRuleTarget;
  rule: LocalRule;
  error: unknown;
}

export interface LocalEventBusOptions {
  rules: LocalRule[];
  /**
   * Delivers to one target. `input` is the text the target receives (the event as JSON, or
   * the result of the target's Input / InputPath / InputTransformer). Throw to have the
   * delivery retried.
   */
  dispatch: (
    target: LocalRuleTarget,
    event: EventBridgeEvent,
    rule: LocalRule,
    input: string,
  ) => Promise<void>;
  /** Appends every put event as a JSON line (an archive to inspect or replay). */
  archiveFile?: string;
  busName: string;
  account?: string;
  region?: string;
  /** Called for an undeliverable event whose target has a dead-letter queue. */
  deadLetter?: (undelivered: UndeliveredEvent) => Promise<void>;
  /** Delivery attempts per target (EventBridge retries for up to 24 hours; locally a few times). */
  retry?: { attempts?: number; baseDelayMs?: number };
  logger?: Pick<Console, 'warn' | 'error'>;
}

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

export class UnknownRuleError extends Error {
  override name = 'UnknownRuleError';
}

export const LOCAL_ACCOUNT = '000000000000';

export class LocalEventBus {
  readonly busName: string;
  readonly account: string;
  readonly region: string;
  private readonly patternRules: { rule: LocalRule; matches: EventPatternMatcher }[];
  private readonly rulesById: Map<string, LocalRule>;
  private readonly deliveries = new Set<Promise<void>>();
  private archiveWrites: Promise<void> = Promise.resolve();
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly logger: Pick<Console, 'warn' | 'error'>;

  constructor(private readonly options: LocalEventBusOptions) {
    this.busName = options.busName;
    this.account = options.account ?? LOCAL_ACCOUNT;
    this.region = options.region ?? 'us-east-1';
    this.attempts = Math.max(1, options.retry?.attempts ?? 4);
    this.baseDelayMs = options.retry?.baseDelayMs ?? 200;
    this.logger = options.logger ?? console;
    const ownRules = options.rules.filter((rule) => this.isOnThisBus(rule));
    this.rulesById = new Map(ownRules.map((rule) => [rule.id, rule]));
    this.patternRules = ownRules
      .filter((rule): rule is LocalRule & { pattern: object } => rule.pattern !== undefined)
      .map((rule) => ({ rule, matches: compileEventPattern(rule.pattern) }));
  }

  /** The bus accepts the events (archiving them) and delivers them in the background. */
  async put(entries: PutEventsEntry[]): Promise<{ eventIds: string[] }> {
    const events = entries.map((entry) => this.envelope(entry));
    if (this.options.archiveFile) await this.archive(events);
    for (const event of events) {
      for (const { rule, matches } of this.patternRules) {
        if (matches(event)) void this.deliverToTargets(rule, event);
      }
    }
    return { eventIds: events.map((event) => event.id) };
  }

  /** Delivers the "Scheduled Event" a schedule rule emits when it fires. */
  async dispatchScheduledEvent(ruleId: string): Promise<void> {
    const rule = this.rulesById.get(ruleId);
    if (!rule) throw new UnknownRuleError(`No rule '${ruleId}' on bus '${this.busName}'`);
    await this.deliverToTargets(rule, {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.account,
      time: eventTime(new Date()),
      region: this.region,
      resources: [this.ruleArn(rule)],
      detail: {},
    });
  }

  /** Rules on this bus that run on a schedule. */
  scheduleRules(): { id: string; schedule: string }[] {
    return [...this.rulesById.values()].flatMap((rule) =>
      rule.schedule ? [{ id: rule.id, schedule: rule.schedule }] : [],
    );
  }

  /** Resolves once every delivery started so far has succeeded or been given up. */
  async drain(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.all(this.deliveries);
  }

  ruleArn(rule: LocalRule): string {
    const path = this.busName === 'default' ? rule.id : `${this.busName}/${rule.id}`;
    return `arn:aws:events:${this.region}:${this.account}:rule/${path}`;
  }

  private isOnThisBus(rule: LocalRule): boolean {
    return (
      rule.eventBusName === this.busName || rule.eventBusName.endsWith(`:event-bus/${this.busName}`)
    );
  }

  private envelope(entry: PutEventsEntry): EventBridgeEvent {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.detailType,
      source: entry.source,
      account: this.account,
      time: entry.time ?? eventTime(new Date()),
      region: this.region,
      resources: entry.resources ?? [],
      detail: parseDetail(entry),
    };
  }

  private archive(events: EventBridgeEvent[]): Promise<void> {
    const file = this.options.archiveFile as string;
    const lines = events.map((event) => `${JSON.stringify(event)}\n`).join('');
    // Chained so that concurrent puts append whole lines in order.
    this.archiveWrites = this.archiveWrites.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, lines);
    });
    return this.archiveWrites;
  }

  /** Starts one delivery per target; they never reject (failures end in giveUp). */
  private deliverToTargets(rule: LocalRule, event: EventBridgeEvent): Promise<void> {
    const started = rule.targets.map((target) => {
      const delivery = this.deliver(target, event, rule).finally(() =>
        this.deliveries.delete(delivery),
      );
      this.deliveries.add(delivery);
      return delivery;
    });
    return Promise.all(started).then(() => undefined);
  }

  private async deliver(
    target: LocalRuleTarget,
    event: EventBridgeEvent,
    rule: LocalRule,
  ): Promise<void> {
    let input: string;
    try {
      input = targetInput(target, event, { ruleArn: this.ruleArn(rule), ruleName: rule.id });
    } catch (error) {
      return this.giveUp(target, event, rule, JSON.stringify(event), error);
    }
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        await this.options.dispatch(target, event, rule, input);
        return;
      } catch (error) {
        lastError = error;
        if (attempt < this.attempts) await sleep(this.baseDelayMs * 2 ** (attempt - 1));
      }
    }
    await this.giveUp(target, event, rule, input, lastError);
  }

  private async giveUp(
    target: LocalRuleTarget,
    event: EventBridgeEvent,
    rule: LocalRule,
    input: string,
    error: unknown,
  ): Promise<void> {
    const where = `rule ${rule.id} -> target ${target.id} (${target.arn})`;
    this.logger.error(
      `[event-bus ${this.busName}] could not deliver event ${event.id} (${event['detail-type']}) via ${where}: ${String(error)}`,
    );
    if (!target.deadLetterArn) return;
    if (!this.options.deadLetter) {
      this.logger.warn(
        `[event-bus ${this.busName}] no dead-letter handler configured for ${target.deadLetterArn}`,
      );
      return;
    }
    try {
      await this.options.deadLetter({
        deadLetterArn: target.deadLetterArn,
        event,
        input,
        target,
        rule,
        error,
      });
    } catch (deadLetterError) {
      this.logger.error(
        `[event-bus ${this.busName}] dead-letter delivery to ${target.deadLetterArn} failed too, event ${event.id} is lost: ${String(deadLetterError)}`,
      );
    }
  }
}

/** EventBridge timestamps have second precision: 2017-10-02T16:24:49Z. */
function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseDetail(entry: PutEventsEntry): Record<string, unknown> {
  let detail = entry.detail;
  if (typeof detail === 'string') {
    try {
      detail = JSON.parse(detail);
    } catch {
      throw new InvalidEventError(`Detail of ${entry.detailType} is not valid JSON`);
    }
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    throw new InvalidEventError(`Detail of ${entry.detailType} must be a JSON object`);
  }
  return detail as Record<string, unknown>;
}

/** The text a target receives for `event`, applying its Input, InputPath or InputTransformer. */
export function targetInput(
  target: Pick<LocalRuleTarget, 'input' | 'inputPath' | 'inputTransformer'>,
  event: EventBridgeEvent,
  rule: { ruleArn: string; ruleName: string },
): string {
  if (target.input !== undefined) return target.input;
  if (target.inputPath !== undefined) {
    return JSON.stringify(readJsonPath(event, target.inputPath) ?? null);
  }
  if (!target.inputTransformer) return JSON.stringify(event);
  const paths = target.inputTransformer.InputPathsMap ?? {};
  const predefined: Record<string, unknown> = {
    'aws.events.rule-arn': rule.ruleArn,
    'aws.events.rule-name': rule.ruleName,
    'aws.events.event': event,
    'aws.events.event.json': JSON.stringify(event),
    'aws.events.event.ingestion-time': event.time,
  };
  return normalizeJson(
    renderInputTemplate(target.inputTransformer.InputTemplate, (name) => {
      if (Object.hasOwn(predefined, name)) return { value: predefined[name] };
      if (!Object.hasOwn(paths, name)) return undefined;
      return { value: readJsonPath(event, paths[name] as string) };
    }),
  );
}

/** Targets receive minified JSON when the rendered template is JSON, else the text as is. */
function normalizeJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

/**
 * Fills the `<name>` placeholders of an EventBridge / Pipes input template. `lookup` returns
 * undefined for names that are no variables (left as they are) and `{ value: undefined }` for
 * variables whose path is missing from the event. Inside a JSON string a value is inserted
 * raw, without escaping (as EventBridge does); elsewhere as JSON, so strings get quotes and a
 * missing value becomes null.
 */
export function renderInputTemplate(
  template: string,
  lookup: (name: string) => { value: unknown } | undefined,
): string {
  let output = '';
  let inString = false;
  let index = 0;
  while (index < template.length) {
    const char = template[index] as string;
    if (char === '<') {
      const end = template.indexOf('>', index + 1);
      const name = end === -1 ? '' : template.slice(index + 1, end);
      const variable = /^[^\s<>"]+$/.test(name) ? lookup(name) : undefined;
      if (variable) {
        output += inString ? rawText(variable.value) : JSON.stringify(variable.value ?? null);
        index = end + 1;
        continue;
      }
    }
    if (char === '"' && !isEscaped(template, index)) inString = !inString;
    output += char;
    index++;
  }
  return output;
}

function rawText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= 0 && text[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

export class InvalidJsonPathError extends Error {
  override name = 'InvalidJsonPathError';
}

/**
 * Reads a simple JSON path as EventBridge and Pipes use them: `$`, `$.a.b`, `$.list[0]`,
 * `$['key.with.dots']`. Returns undefined when the path does not exist.
 */
export function readJsonPath(value: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new InvalidJsonPathError(`JSON path must start with $: ${path}`);
  let current: unknown = value;
  const segment = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  segment.lastIndex = 1;
  while (segment.lastIndex < path.length) {
    const match = segment.exec(path);
    if (!match) throw new InvalidJsonPathError(`Unsupported JSON path: ${path}`);
    const [, name, arrayIndex, singleQuoted, doubleQuoted] = match;
    if (arrayIndex !== undefined) {
      current = Array.isArray(current) ? current[Number(arrayIndex)] : undefined;
    } else {
      const key = (name ?? singleQuoted ?? doubleQuoted) as string;
      current =
        typeof current === 'object' && current !== null && !Array.isArray(current)
          ? (current as Record<string, unknown>)[key]
          : undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}
