import { type BlackoutWindow, blackoutConflicts } from './conflicts';
import type { ApprovalPath, ChangeModel, ChangeOutcome, RiskAssessment, RiskLevel } from './model';
import { type Interval, touchesSchedule, type WeeklySchedule } from './schedule';

/**
 * Risk of a change: points per factor, summed, then banded into a level. Pure: the use case
 * gathers the inputs (the CIs' criticality, the services the CMDB impact walk reaches, the
 * outcomes of past changes on the same CIs). Criticality is the CMDB's, 1 critical .. 4 low.
 *
 * | factor         | rule                                                      | points     |
 * |----------------|-----------------------------------------------------------|------------|
 * | ci-criticality | the most critical affected CI: 1 / 2 / 3 / 4              | 30/20/10/0 |
 * |                | no affected CI known (unknown is not safe)                | 20         |
 * | blast-radius   | per impacted service by criticality 1 / 2 / 3 / 4, summed | 10/5/2/1   |
 * |                | capped at; or the impact walk was truncated (unknown)     | 30         |
 * | business-hours | the window touches business hours, or there is none yet   | 10         |
 * | blackout       | the window overlaps a blackout (freeze) covering its CIs  | 20         |
 * | change-model   | emergency / normal / standard (a proven procedure)        | 15/5/0     |
 * | failure-rate   | failed or backed-out share of past changes on the CIs:    |            |
 * |                | >= 50% / >= 25% / >= 10% / less                           | 20/12/5/0  |
 * |                | fewer than 5 past changes: too few to tell                | 0          |
 *
 * | score   | level     | approval path (normal changes)       |
 * |---------|-----------|--------------------------------------|
 * | 0-24    | low       | ci-owners: the CIs' owner groups     |
 * | 25-44   | moderate  | ci-owners                            |
 * | 45-64   | high      | cab: the CAB and the owner groups    |
 * | 65+     | very-high | cab                                  |
 *
 * Standard changes are pre-approved and emergency changes go to the emergency CAB whatever
 * their level; their level is still assessed and recorded.
 */
export const RISK_SCORING = {
  ciCriticality: { 1: 30, 2: 20, 3: 10, 4: 0 } as Readonly<Record<number, number>>,
  unknownCi: 20,
  serviceCriticality: { 1: 10, 2: 5, 3: 2, 4: 1 } as Readonly<Record<number, number>>,
  blastRadiusCap: 30,
  businessHours: 10,
  blackout: 20,
  model: { emergency: 15, normal: 5, standard: 0 } as const satisfies Record<ChangeModel, number>,
  /** Highest share first. */
  failureRate: [
    { atLeast: 0.5, points: 20 },
    { atLeast: 0.25, points: 12 },
    { atLeast: 0.1, points: 5 },
  ],
  minimumHistory: 5,
  /** Lowest score of each level, highest first. */
  levels: [
    { level: 'very-high', from: 65 },
    { level: 'high', from: 45 },
    { level: 'moderate', from: 25 },
    { level: 'low', from: 0 },
  ] as const satisfies readonly { level: RiskLevel; from: number }[],
} as const;

export interface RatedCi {
  id: string;
  criticality: number;
}

export interface RiskInput {
  model: ChangeModel;
  /** The change's CIs. */
  cis: readonly RatedCi[];
  /** The services the impact walk reaches from the change's CIs (duplicates count once). */
  impactedServices: readonly RatedCi[];
  /** The walk stopped at its depth limit with more to reach. */
  impactTruncated?: boolean;
  /** The planned window, once known. */
  window?: Interval;
  businessHours: WeeklySchedule;
  blackouts: readonly BlackoutWindow[];
  /** Outcomes of past changes on the same CIs. */
  pastOutcomes: readonly ChangeOutcome[];
  now: string;
}

type Reason = RiskAssessment['reasons'][number];

function uniqueById(cis: readonly RatedCi[]): RatedCi[] {
  return [...new Map(cis.map((ci) => [ci.id, ci])).values()];
}

function ciCriticality(cis: readonly RatedCi[]): Reason {
  const unique = uniqueById(cis);
  if (unique.length === 0) {
    return {
      factor: 'ci-criticality',
      points: RISK_SCORING.unknownCi,
      explanation: 'No affected CI is known; counted as a high-criticality CI.',
    };
  }
  const most = unique.reduce((a, b) => (b.criticality < a.criticality ? b : a));
  return {
    factor: 'ci-criticality',
    points: RISK_SCORING.ciCriticality[most.criticality] ?? 0,
    explanation: `The most critical affected CI, ${most.id}, has criticality ${most.criticality}.`,
  };
}

function blastRadius(services: readonly RatedCi[], truncated: boolean): Reason {
  const unique = uniqueById(services);
  const cap = RISK_SCORING.blastRadiusCap;
  if (truncated) {
    return {
      factor: 'blast-radius',
      points: cap,
      explanation: `The impact walk reached ${unique.length} services and stopped at its depth limit; the full extent is unknown.`,
    };
  }
  const sum = unique.reduce(
    (total, service) => total + (RISK_SCORING.serviceCriticality[service.criticality] ?? 0),
    0,
  );
  const critical = unique.filter((service) => service.criticality === 1).length;
  return {
    factor: 'blast-radius',
    points: Math.min(sum, cap),
    explanation:
      unique.length === 0
        ? 'No service depends on the affected CIs.'
        : `${unique.length} impacted services, ${critical} of them of criticality 1${sum > cap ? ` (capped at ${cap})` : ''}.`,
  };
}

function businessHours(window: Interval | undefined, schedule: WeeklySchedule): Reason {
  if (!window) {
    return {
      factor: 'business-hours',
      points: RISK_SCORING.businessHours,
      explanation: 'No planned window yet; counted as during business hours.',
    };
  }
  const touches = touchesSchedule(window, schedule);
  return {
    factor: 'business-hours',
    points: touches ? RISK_SCORING.businessHours : 0,
    explanation: touches
      ? 'The window falls partly or wholly in business hours.'
      : 'The window is outside business hours.',
  };
}

function blackout(input: RiskInput): Reason {
  const hits = input.window
    ? blackoutConflicts(
        input.window,
        input.cis.map((ci) => ci.id),
        input.blackouts,
      )
    : [];
  return {
    factor: 'blackout',
    points: hits.length > 0 ? RISK_SCORING.blackout : 0,
    explanation:
      hits.length > 0
        ? `The window overlaps ${hits.map((hit) => `'${hit.blackout?.name}'`).join(', ')}.`
        : 'The window overlaps no blackout window.',
  };
}

function changeModel(model: ChangeModel): Reason {
  return {
    factor: 'change-model',
    points: RISK_SCORING.model[model],
    explanation: `A ${model} change.`,
  };
}

function failureRate(outcomes: readonly ChangeOutcome[]): Reason {
  const total = outcomes.length;
  if (total < RISK_SCORING.minimumHistory) {
    return {
      factor: 'failure-rate',
      points: 0,
      explanation: `${total} past changes on these CIs: too few to tell.`,
    };
  }
  const failed = outcomes.filter((outcome) => outcome === 'failed' || outcome === 'backed-out');
  const share = failed.length / total;
  const band = RISK_SCORING.failureRate.find((candidate) => share >= candidate.atLeast);
  return {
    factor: 'failure-rate',
    points: band?.points ?? 0,
    explanation: `${failed.length} of ${total} past changes on these CIs failed or were backed out.`,
  };
}

function levelOf(score: number): RiskLevel {
  return RISK_SCORING.levels.find((band) => score >= band.from)?.level ?? 'low';
}

export function approvalPathFor(model: ChangeModel, level: RiskLevel): ApprovalPath {
  if (model === 'standard') return 'pre-approved';
  if (model === 'emergency') return 'emergency-cab';
  return level === 'high' || level === 'very-high' ? 'cab' : 'ci-owners';
}

export function assessRisk(input: RiskInput): RiskAssessment {
  const reasons = [
    ciCriticality(input.cis),
    blastRadius(input.impactedServices, input.impactTruncated ?? false),
    businessHours(input.window, input.businessHours),
    blackout(input),
    changeModel(input.model),
    failureRate(input.pastOutcomes),
  ];
  const score = reasons.reduce((total, reason) => total + reason.points, 0);
  const level = levelOf(score);
  return {
    level,
    score,
    approvalPath: approvalPathFor(input.model, level),
    reasons,
    assessedAt: input.now,
  };
}
