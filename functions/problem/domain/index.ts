/**
 * The problem-management domain: pure rules, no I/O. The use cases load and store; these
 * functions decide.
 *
 * - model: the Problem snapshot (zod schema), states, actions, incident links, `revise`.
 * - access: who may view and change problems (staff, clients with problems.* scopes).
 * - problem: create (manual or detected) and PATCH, with their invariants.
 * - state-machine: `transition`, `allowedActions`, duplicate targets.
 * - links: link and unlink incidents; `duplicateMerge` moves a duplicate's links.
 * - incident-effects: the workaround notes for linked incidents, applied by the incident side
 *   through events (as are the follow-ups of shared/domain/problem-follow-up.ts).
 * - detection: the problem-detection policy, deterministic and replay-safe.
 */
export * from './access';
export * from './detection';
export * from './incident-effects';
export * from './links';
export * from './model';
export * from './problem';
export * from './state-machine';
