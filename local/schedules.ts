import { Cron } from 'croner';

/**
 * Emulates EventBridge schedule rules: `rate(value unit)` and the six-field
 * `cron(minutes hours day-of-month month day-of-week year)`, evaluated in UTC. Cron
 * expressions are computed by croner (Quartz weekday numbering 1 = SUN, `?`, `L`, `W`, `#`).
 */

export class InvalidScheduleExpressionError extends Error {
  override name = 'InvalidScheduleExpressionError';
}

/** The time source; defaults to the global timers and Date.now (so fake timers apply). */
export interface ScheduleClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: ScheduleClock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const RATE_UNITS_MS = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
} as const;

export type Schedule =
  | { kind: 'rate'; periodMs: number }
  | { kind: 'cron'; next: (after: Date) => Date | null };

export function parseScheduleExpression(expression: string): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    const singular = unit.replace(/s$/, '') as keyof typeof RATE_UNITS_MS;
    // EventBridge requires the singular unit for 1 and the plural for anything greater.
    if (value < 1 || (value === 1) !== (unit === singular)) {
      throw new InvalidScheduleExpressionError(
        `Invalid rate expression '${expression}': use rate(1 ${singular}) or rate(N ${singular}s) with N > 1`,
      );
    }
    return { kind: 'rate', periodMs: value * RATE_UNITS_MS[singular] };
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (cron) return { kind: 'cron', next: compileCron(expression, cron[1] as string) };
  throw new InvalidScheduleExpressionError(
    `Unsupported schedule expression '${expression}': expected rate(...) or cron(...)`,
  );
}

function compileCron(expression: string, body: string): (after: Date) => Date | null {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new InvalidScheduleExpressionError(
      `Invalid cron expression '${expression}': expected 6 fields (minutes hours day-of-month month day-of-week year)`,
    );
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new InvalidScheduleExpressionError(
      `Invalid cron expression '${expression}': exactly one of day-of-month and day-of-week must be '?'`,
    );
  }
  // EventBridge writes "last <weekday>" as 6L and a bare L means Saturday; croner wants 6#L.
  const weekday =
    dayOfWeek === 'L' ? '7' : dayOfWeek.replace(/^([^#,\-/]+)L$/i, (_all, day) => `${day}#L`);
  try {
    const cron = new Cron(`0 ${minutes} ${hours} ${dayOfMonth} ${month} ${weekday} ${year}`, {
      mode: '7-part',
      alternativeWeekdays: true,
      // One of the two day fields is '?', which croner reads as '*': AND keeps the other one.
      domAndDow: true,
      sloppyRanges: true,
      timezone: 'Etc/UTC',
    });
    return (after) => cron.nextRun(after);
  } catch (error) {
    throw new InvalidScheduleExpressionError(
      `Invalid cron expression '${expression}': ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

// setTimeout cannot wait longer than 2^31 - 1 ms; longer waits re-arm.
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * Fires `fire(ruleId)` whenever a rule's schedule is due. A rate schedule first fires one
 * period after the start, as a new EventBridge rule does. Runs missed while the process was
 * suspended are skipped, not caught up. A failing `fire` is logged; the schedule goes on.
 */
export function startSchedules(
  rules: { id: string; schedule: string }[],
  fire: (ruleId: string) => Promise<void>,
  options: { clock?: ScheduleClock; logger?: Pick<Console, 'error'> } = {},
): { stop(): void } {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? console;
  const parsed = rules.map((rule) => ({
    id: rule.id,
    schedule: parseScheduleExpression(rule.schedule),
  }));
  const startedAt = clock.now();
  const timers = new Map<string, unknown>();
  let stopped = false;

  const nextAfter = (schedule: Schedule, after: number): number | null => {
    if (schedule.kind === 'rate') {
      const periods = Math.floor((after - startedAt) / schedule.periodMs) + 1;
      return startedAt + periods * schedule.periodMs;
    }
    return schedule.next(new Date(after))?.getTime() ?? null;
  };

  const arm = (id: string, schedule: Schedule, dueAt: number | null) => {
    if (stopped || dueAt === null) return;
    const delay = Math.min(Math.max(0, dueAt - clock.now()), MAX_TIMER_DELAY_MS);
    timers.set(
      id,
      clock.setTimeout(() => {
        if (stopped) return;
        const now = clock.now();
        if (now < dueAt) return arm(id, schedule, dueAt);
        fire(id).catch((error: unknown) =>
          logger.error(`[schedules] rule ${id} failed: ${String(error)}`),
        );
        arm(id, schedule, nextAfter(schedule, Math.max(now, dueAt)));
      }, delay),
    );
  };

  for (const { id, schedule } of parsed) arm(id, schedule, nextAfter(schedule, startedAt));

  return {
    stop() {
      stopped = true;
      for (const handle of timers.values()) clock.clearTimeout(handle);
      timers.clear();
    },
  };
}
