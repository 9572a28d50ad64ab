import { AsyncLocalStorage } from 'node:async_hooks';
import { StateMachine } from 'aws-local-stepfunctions';

/**
 * Which run of aws-local-stepfunctions the code at hand belongs to: an execution, a Map
 * iteration or a Parallel branch. When a Map iteration or a Parallel branch fails, the library
 * stops its siblings, but it calls the local runtime's task handlers with their input only, so
 * a task (a task token's wait, a Wait state) could not tell that its iteration is gone. Every
 * run therefore gets an abort signal, aborted when the run is stopped or when the run around it
 * is, which its handlers find here: their async context carries it.
 */
const scopes = new AsyncLocalStorage<AbortSignal>();

/** Ends a task whose Map iteration or Parallel branch was stopped (as on AWS). */
export class RunStoppedError extends Error {
  override readonly name = 'RunStoppedError';
}

type Run = StateMachine['run'];
let tracking = false;

/**
 * Makes every run of the library, nested ones included (the library builds those with its own
 * StateMachine class, hence the prototype), carry its abort signal. Idempotent.
 */
export function trackRunScopes(): void {
  if (tracking) return;
  tracking = true;
  const run: Run = StateMachine.prototype.run;
  StateMachine.prototype.run = function runInScope(this: StateMachine, ...args: Parameters<Run>) {
    const stopped = new AbortController();
    const outer = scopes.getStore();
    const signal = outer ? AbortSignal.any([outer, stopped.signal]) : stopped.signal;
    const execution = scopes.run(signal, () => run.apply(this, args));
    return {
      ...execution,
      abort: () => {
        stopped.abort(new RunStoppedError('The Map iteration or Parallel branch was stopped.'));
        execution.abort();
      },
    };
  };
}

/** The abort signal of the innermost run the caller belongs to, if any. */
export function currentRunSignal(): AbortSignal | undefined {
  return scopes.getStore();
}
