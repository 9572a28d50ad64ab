/**
 * The change-management domain: pure rules, no I/O and no clock. The use cases load and
 * store (and gather CMDB data, calendars, votes); these functions decide.
 *
 * - model: the Change snapshot (published in shared/events/changes.ts), actions, commands.
 * - access: who may view, change and decide changes.
 * - change: create (normal, emergency, standard from a template) and PATCH, with invariants.
 * - templates: the standard change template.
 * - state-machine: `transition`, `allowedActions`, per model.
 * - schedule: intervals, weekly slots in a time zone (business hours, maintenance windows).
 * - risk: `assessRisk`, the scoring and the approval path it chooses.
 * - conflicts: `detectConflicts`, blackout windows, `canSchedule` and the emergency override.
 * - approvals: `planApprovals`, `decide`, `castVote`, delegation, timeouts.
 * - release: releases and `releaseStatus`.
 * - gate: `gate`, the pipeline's allow or deny.
 * The follow-up of linked problems is in shared/domain/change-follow-up.ts: the problem area
 * applies it.
 */
export * from './access';
export * from './approvals';
export * from './change';
export * from './conflicts';
export * from './gate';
export * from './model';
export * from './release';
export * from './risk';
export * from './schedule';
export * from './state-machine';
export * from './templates';
