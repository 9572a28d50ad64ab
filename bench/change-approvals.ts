/**
 * `npm run bench`, change approvals: through the local runtime, the latency from submitting a
 * normal change for authorization to its decision being recorded (the change Scheduled), both
 * approvers voting as soon as their approvals are open, and its parts; and the Step Functions
 * state transitions each change costs, counted from the execution history (every state
 * entered is a billed transition). Target: at most 10 transitions per change.
 */
import {
  APPROVERS,
  ApprovalsRuntime,
  eventually,
  expectStatus,
  nightWindow,
  stateTransitions,
} from '../test/integration/change-approvals-runtime';
import { percentile } from './stats';

const SAMPLES = Number(process.env.BENCH_APPROVAL_SAMPLES ?? 20);
const TRANSITIONS_TARGET = 10;
const [alice, bob] = APPROVERS.ownerMembers;

interface Sample {
  /** requestAuthorization's 200 to every approval's task waiting with its token. */
  open: number;
  /** The deciding vote's 200 to the change Scheduled. */
  record: number;
  /** requestAuthorization sent to the change Scheduled. */
  total: number;
  transitions: number;
}

async function sample(env: ApprovalsRuntime, ci: string, day: number): Promise<Sample> {
  const agent = { role: 'agent', sub: 'requester-agent' } as const;
  const created = await env.api<{ id: string }>('POST', '/changes', agent, {
    model: 'normal',
    shortDescription: 'Patch the database',
    affectedCis: [ci],
    assignmentGroup: APPROVERS.owners,
    ...nightWindow(day),
    implementationPlan: 'Apply the patch.',
    backoutPlan: 'Restore the snapshot.',
    testPlan: 'Run the smoke tests.',
  });
  expectStatus(created, 201);
  const changeId = created.body.id;
  await env.transition(changeId, { action: 'assess' });

  const submitted = performance.now();
  expectStatus(await env.transition(changeId, { action: 'requestAuthorization' }), 200);
  const execution = await env.execution(changeId);
  await env.waiting(execution, APPROVERS.ownerMembers.length);
  const opened = performance.now();
  const approvals = await env.openedApprovals(changeId);
  await env.vote(changeId, env.approvalOf(approvals, alice), alice, 'approve');
  const decisive = await env.vote(changeId, env.approvalOf(approvals, bob), bob, 'approve');
  expectStatus(decisive, 200);
  const voted = performance.now();
  await eventually(async () => {
    const change = await env.change(changeId);
    return change.state === 'Scheduled' ? true : undefined;
  }, `${changeId} Scheduled`);
  const scheduled = performance.now();
  await env.finished(execution);
  return {
    open: opened - submitted,
    record: scheduled - voted,
    total: scheduled - submitted,
    transitions: stateTransitions(await env.history(execution)),
  };
}

async function main() {
  const env = await ApprovalsRuntime.start({ timeScale: 1 });
  try {
    const ci = await env.ci();
    // The first change warms every function up; cold starts are not what this measures.
    await sample(env, ci, 7);
    const samples: Sample[] = [];
    for (let index = 0; index < SAMPLES; index++) samples.push(await sample(env, ci, 8 + index));

    console.log(
      `\nChange approvals through the local runtime (${SAMPLES} normal changes, two approvers under "all", voting as soon as their approvals are open; polled every 50 ms)`,
    );
    console.log('step'.padEnd(44), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8));
    const rows: [string, keyof Sample][] = [
      ['submitted -> approvals open (tasks waiting)', 'open'],
      ['deciding vote -> change Scheduled', 'record'],
      ['submitted -> change Scheduled', 'total'],
    ];
    for (const [label, key] of rows) {
      const values = samples.map((entry) => entry[key]);
      console.log(
        label.padEnd(44),
        percentile(values, 50).toFixed(1).padStart(8),
        percentile(values, 99).toFixed(1).padStart(8),
      );
    }
    const transitions = [...new Set(samples.map((entry) => entry.transitions))].sort(
      (a, b) => a - b,
    );
    const most = Math.max(...transitions);
    console.log(
      `Step Functions state transitions per change: ${transitions.join(', ')} (target <= ${TRANSITIONS_TARGET}) ${most <= TRANSITIONS_TARGET ? 'ok' : 'OVER TARGET'}`,
    );
  } finally {
    await env.stop();
  }
}

await main();
