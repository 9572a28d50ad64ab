import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Service } from 'electrodb';
import type { JWK } from 'jose';
import { changeApprovalEntity } from '../../functions/change/approval-entities';
import type {
  ChangeApprovalsSchema,
  DelegationListSchema,
  DelegationSchema,
} from '../../functions/change/approval-schemas';
import { LOCAL_AWS } from '../../local/dynamodb';
import { loadSigningKey, mintToken, type TokenRole } from '../../local/keys';
import {
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '../../local/runtime';
import type { ChangeSnapshot } from '../../shared/events/changes';
import type { EventContract, EventDetail } from '../../shared/events/envelope';
import type * as z from '../../shared/zod';
import { buildAppWithApprovals } from '../support/change-approvals-app';

/**
 * The whole backend in the local runtime with the change approval workflow, driven like a
 * deployed one: HTTP with tokens, the SDK against the local Step Functions endpoint, and the
 * bus's archive for what was published. Shared by the approval tests and the benchmark.
 */

/** Who approves what in these runs (the change area's approverGroups setting). */
export const APPROVERS = {
  owners: 'db-owners',
  ownerMembers: ['alice', 'bob'],
  emergencyMembers: ['erin', 'frank'],
} as const;

/**
 * The owners approve under "all" and wait on a rejection (so a rejecter may change their
 * mind); the emergency CAB under "any", rejecting at once. Both remind an hour before the
 * deadline and reject on timeout.
 */
export const APPROVAL_SETTINGS = {
  approverGroups: {
    [APPROVERS.owners]: [...APPROVERS.ownerMembers],
    cab: ['carol', 'dave'],
    'emergency-cab': [...APPROVERS.emergencyMembers],
  },
  approvalPolicies: {
    'ci-owners': {
      rule: { kind: 'all' },
      onRejection: 'keep-waiting',
      timeout: { afterMinutes: 24 * 60, remindBeforeMinutes: 60, outcome: 'reject' },
    },
    'emergency-cab': {
      rule: { kind: 'any' },
      onRejection: 'reject-at-once',
      timeout: { afterMinutes: 4 * 60, remindBeforeMinutes: 60, outcome: 'reject' },
    },
  },
};

export type ChangeApprovals = z.output<typeof ChangeApprovalsSchema>;
export type Delegation = z.output<typeof DelegationSchema>;
export type DelegationList = z.output<typeof DelegationListSchema>;

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Caller {
  role: TokenRole;
  sub?: string;
}

export interface Window {
  plannedStart: string;
  plannedEnd: string;
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** `days` ahead at 02:00 UTC for an hour: outside business hours, so the risk stays low. */
export function nightWindow(days: number): Window {
  const day = new Date(Date.now() + days * DAY_MS);
  const start = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 2);
  return {
    plannedStart: new Date(start).toISOString(),
    plannedEnd: new Date(start + HOUR_MS).toISOString(),
  };
}

/** Starting `hours` from now, for an hour: the deadline comes that soon. */
export function windowIn(hours: number): Window {
  const start = Date.now() + hours * HOUR_MS;
  return {
    plannedStart: new Date(start).toISOString(),
    plannedEnd: new Date(start + HOUR_MS).toISOString(),
  };
}

interface ArchivedEvent {
  'detail-type': string;
  detail: unknown;
}

/** The change an event is about: its snapshot's id, or the reminder's changeId. */
function changeOf(data: unknown): string | undefined {
  const { change, changeId } = data as { change?: { id?: string }; changeId?: string };
  return change?.id ?? changeId;
}

export class ApprovalsRuntime {
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  /** The change each execution is for (its input, the event's detail, never changes). */
  private readonly changeOfExecution = new Map<string, string | undefined>();
  private readonly dynamo: DynamoDBClient;
  private readonly store: Service<{ approval: typeof changeApprovalEntity }>;

  private constructor(
    readonly runtime: LocalRuntime,
    private readonly dir: string,
    private readonly signingKey: JWK,
    private readonly runtimeOptions: LocalRuntimeOptions,
  ) {
    this.sfn = new SFNClient({ ...LOCAL_AWS, endpoint: runtime.stepFunctionsEndpoint });
    this.dynamo = new DynamoDBClient({ ...LOCAL_AWS, endpoint: runtime.dynamoEndpoint });
    const table = runtime.wiring.tables.find((candidate) =>
      candidate.logicalId.startsWith('Table'),
    );
    this.store = new Service(
      { approval: changeApprovalEntity },
      { client: DynamoDBDocumentClient.from(this.dynamo), table: table?.name ?? '' },
    );
    const machine = runtime.wiring.stateMachines.find((candidate) =>
      candidate.logicalId.startsWith('ChangeApprovalsStateMachine'),
    );
    if (!machine) throw new Error('The app has no change approval state machine');
    this.stateMachineArn = machine.arn;
  }

  /**
   * Synthesizes the app (bundled) with APPROVAL_SETTINGS and starts it; data, archive and log
   * in a temporary directory. `timeScale` multiplies the state machines' durations.
   */
  static async start(options: { timeScale: number; log?: (line: string) => void }) {
    const dir = mkdtempSync(join(tmpdir(), 'change-approvals-'));
    const assemblyDir = join(dir, 'cdk.out');
    buildAppWithApprovals({
      outdir: assemblyDir,
      bundle: true,
      changeManagement: APPROVAL_SETTINGS,
    }).synth();
    const dataDir = join(dir, 'data');
    const runtimeOptions: LocalRuntimeOptions = {
      dataDir,
      apiPort: 0,
      // Persisted, for the bus's archive (what was published) and for restarts.
      inMemory: false,
      assemblyDir,
      stepFunctionsTimeScale: options.timeScale,
      log: options.log ?? (() => {}),
    };
    const runtime = await startLocalRuntime(runtimeOptions);
    return new ApprovalsRuntime(runtime, dir, await loadSigningKey(dataDir), runtimeOptions);
  }

  /** Stops the runtime and starts it again on the same data, as a restart of `npm start` does. */
  async restart(): Promise<ApprovalsRuntime> {
    this.sfn.destroy();
    this.dynamo.destroy();
    await this.runtime.stop();
    const runtime = await startLocalRuntime(this.runtimeOptions);
    return new ApprovalsRuntime(runtime, this.dir, this.signingKey, this.runtimeOptions);
  }

  async stop(): Promise<void> {
    this.sfn.destroy();
    this.dynamo.destroy();
    await this.runtime.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async api<T = unknown>(
    method: string,
    path: string,
    caller: Caller,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const token = await mintToken(this.signingKey, caller);
    const response = await fetch(`${this.runtime.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  }

  /** An operational CI owned by `ownerGroup`, of the lowest criticality. */
  async ci(ownerGroup: string = APPROVERS.owners): Promise<string> {
    const response = await this.api<{ id: string }>(
      'POST',
      '/cis',
      { role: 'admin' },
      {
        ciClass: 'database',
        name: `db-${crypto.randomUUID().slice(0, 8)}`,
        ownerGroup,
        criticality: 4,
        environment: 'production',
        lifecycleState: 'operational',
      },
    );
    expectStatus(response, 201);
    return response.body.id;
  }

  /** A change with the whole plan, submitted for authorization (assessed first if normal). */
  async submittedChange(options: {
    model: 'normal' | 'emergency';
    ci: string;
    window: Window;
    overrideReason?: string;
  }): Promise<ChangeSnapshot> {
    const agent: Caller = { role: 'agent', sub: 'requester-agent' };
    const created = await this.api<ChangeSnapshot>('POST', '/changes', agent, {
      model: options.model,
      shortDescription: `Patch the database (${options.model})`,
      affectedCis: [options.ci],
      assignmentGroup: APPROVERS.owners,
      ...options.window,
      implementationPlan: 'Apply the patch.',
      backoutPlan: 'Restore the snapshot.',
      testPlan: 'Run the smoke tests.',
    });
    expectStatus(created, 201);
    const { id } = created.body;
    if (options.model === 'normal') await this.transition(id, { action: 'assess' });
    const submitted = await this.transition(id, {
      action: 'requestAuthorization',
      ...(options.overrideReason ? { overrideReason: options.overrideReason } : {}),
    });
    expectStatus(submitted, 200);
    return submitted.body;
  }

  async transition(changeId: string, command: Record<string, unknown>) {
    const current = await this.api('GET', `/changes/${changeId}`, { role: 'agent' });
    expectStatus(current, 200);
    return this.api<ChangeSnapshot>(
      'POST',
      `/changes/${changeId}/transitions`,
      { role: 'agent', sub: 'requester-agent' },
      command,
      { 'if-match': current.headers.get('etag') ?? '*' },
    );
  }

  async change(changeId: string): Promise<ChangeSnapshot> {
    const response = await this.api<ChangeSnapshot>('GET', `/changes/${changeId}`, {
      role: 'agent',
    });
    expectStatus(response, 200);
    return response.body;
  }

  /** The approvals, once the workflow has opened them all. */
  async openedApprovals(changeId: string): Promise<ChangeApprovals> {
    return eventually(async () => {
      const response = await this.api<ChangeApprovals>('GET', `/changes/${changeId}/approvals`, {
        role: 'agent',
      });
      return response.status === 200 ? response.body : undefined;
    }, `the approvals of ${changeId}`);
  }

  approvalOf(approvals: ChangeApprovals, approverId: string): string {
    const approval = approvals.approvals.find((candidate) => candidate.approverId === approverId);
    if (!approval) throw new Error(`${approverId} is not an approver`);
    return approval.id;
  }

  vote(
    changeId: string,
    approvalId: string,
    voter: string,
    decision: 'approve' | 'reject',
    comment?: string,
  ) {
    return this.api<ChangeApprovals>(
      'POST',
      `/changes/${changeId}/approvals/${approvalId}`,
      { role: 'agent', sub: voter },
      { decision, ...(comment ? { comment } : {}) },
    );
  }

  /** The token of the task waiting for the approval's next vote, as the workflow stored it. */
  async taskTokenOf(approvals: ChangeApprovals, approvalId: string): Promise<string | undefined> {
    const { changeId, planId } = approvals;
    const { data } = await this.store.entities.approval
      .get({ changeId, planId, approvalId })
      .go({ consistent: true });
    return data?.taskToken;
  }

  /** The change once it has left Authorize. */
  decided(changeId: string): Promise<ChangeSnapshot> {
    return eventually(async () => {
      const change = await this.change(changeId);
      return change.state === 'Authorize' ? undefined : change;
    }, `the decision on ${changeId}`);
  }

  /** The executions the rule started for the change, oldest first. */
  async executionsFor(changeId: string): Promise<string[]> {
    const { executions = [] } = await this.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: this.stateMachineArn }),
    );
    const matching: string[] = [];
    for (const { executionArn = '' } of executions.reverse()) {
      if (!this.changeOfExecution.has(executionArn)) {
        const { input } = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
        this.changeOfExecution.set(executionArn, changeOf(JSON.parse(input ?? '{}').data));
      }
      if (this.changeOfExecution.get(executionArn) === changeId) matching.push(executionArn);
    }
    return matching;
  }

  execution(changeId: string): Promise<string> {
    return eventually(
      async () => (await this.executionsFor(changeId))[0],
      `the execution for ${changeId}`,
    );
  }

  finished(executionArn: string) {
    return eventually(async () => {
      const execution = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    }, `the end of ${executionArn}`);
  }

  async history(executionArn: string): Promise<HistoryEvent[]> {
    const { events = [] } = await this.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
    );
    return events;
  }

  /** Until every approval's task is waiting with its token. */
  async waiting(executionArn: string, tasks: number): Promise<void> {
    await eventually(async () => {
      const events = await this.history(executionArn);
      return events.filter((event) => event.type === 'TaskSubmitted').length >= tasks
        ? true
        : undefined;
    }, `${tasks} waiting approvals`);
  }

  /** The details of every `contract` event put on the application's bus, from its archive. */
  published<C extends EventContract>(contract: C): EventDetail<C>[] {
    const archive = join(this.dir, 'data', 'event-archive', `${this.runtime.bus.busName}.jsonl`);
    let text = '';
    try {
      text = readFileSync(archive, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ArchivedEvent)
      .filter((event) => event['detail-type'] === contract.detailType)
      .map((event) => contract.detail.parse(event.detail) as EventDetail<C>);
  }

  /** Once there are any, the `contract` events about the change. */
  publishedFor<C extends EventContract>(contract: C, changeId: string): Promise<EventDetail<C>[]> {
    return eventually(async () => {
      const events = this.published(contract).filter((event) => changeOf(event.data) === changeId);
      return events.length > 0 ? events : undefined;
    }, `${contract.detailType} of ${changeId}`);
  }
}

/** State transitions as Step Functions bills them: every state entered. */
export function stateTransitions(history: readonly HistoryEvent[]): number {
  return history.filter((event) => event.type?.endsWith('StateEntered')).length;
}

export function statesEntered(history: readonly HistoryEvent[]): string[] {
  return history
    .filter((event) => event.type?.endsWith('StateEntered'))
    .map((event) => event.stateEnteredEventDetails?.name ?? '');
}

export function expectStatus(response: ApiResponse, status: number): void {
  if (response.status !== status) {
    throw new Error(`Expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
}

export async function eventually<T>(
  find: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(50);
  }
}
