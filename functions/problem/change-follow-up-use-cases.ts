import { SYSTEM_PRINCIPAL } from '../../shared/auth';
import { type ChangeTransition, problemFollowUp } from '../../shared/domain/change-follow-up';
import { workNoteClaim, workNoteRequest } from '../../shared/idempotency';
import type { RequestContext } from '../../shared/request-context';
import { staleAsConflict, withRetries } from '../../shared/unit-of-work';
import { getIdempotencyClaim, getProblem } from './repository';
import { applyTransition, commitWorkNote } from './use-cases';

/**
 * Applies a change's end to the problems linked to it (shared/domain/change-follow-up.ts),
 * as the system and through the problem's own rules: a fix resolved "Fix Applied" (pending
 * verification), or a note. Idempotent: steps are planned from the problem's current state,
 * and a note's id is claimed with it.
 */
export async function followChange(
  transition: ChangeTransition,
  now: string,
): Promise<Array<{ problemId: string; outcome: 'resolved' | 'noted' | 'unaffected' | 'missing' }>> {
  const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, now };
  const results = [];
  for (const problemId of transition.change.linkedProblems) {
    results.push({ problemId, outcome: await followChangeOn(problemId, transition, ctx) });
  }
  return results;
}

async function followChangeOn(
  problemId: string,
  transition: ChangeTransition,
  ctx: RequestContext,
): Promise<'resolved' | 'noted' | 'unaffected' | 'missing'> {
  return withRetries(async () => {
    const current = await getProblem(problemId);
    if (!current) return 'missing';
    const steps = problemFollowUp(transition, current);
    if (steps.length === 0) return 'unaffected';
    let problem = current;
    for (const step of steps) {
      if (step.action === 'addWorkNote') {
        const request = workNoteRequest('problem', problem.id, step);
        if (await getIdempotencyClaim(request.scope, request.key)) return 'noted';
        await commitWorkNote(problem, step, ctx, workNoteClaim(request, ctx.now));
        return 'noted';
      }
      await applyTransition(problem, step, ctx).catch(staleAsConflict);
      problem = (await getProblem(problemId)) ?? problem;
    }
    return 'resolved';
  });
}
