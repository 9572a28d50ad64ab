/**
 * The problem-management domain: pure rules, no I/O. The use cases load and store; these
 * functions decide.
 *
 * - model: the Problem snapshot (zod schema), states, actions, incident links, `revise`.
 * - access: who may view and change problems (staff, clients with problems.* scopes).
 * - problem: create (manual or detected) and PATCH, with their invariants.
 * - state-machine: `transition`, `allowedActions`, duplicate targets.
 * - links: link and unlink incidents; `duplicateMerge` moves a duplicate's links.
 * - incident-effects: plans for linked incidents (workaround notes, follow-ups of a
 *   resolve or cancel), applied by the incident side through events.
 * - detection: the problem-detection policy, deterministic and replay-safe.
 */
export * from './access';
export * from './detection';
export * from './ids';
export * from './incident-effects';
export * from './links';
export * from './model';
export * from './problem';
export * from './state-machine';
