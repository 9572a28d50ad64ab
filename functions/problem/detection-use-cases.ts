import { SYSTEM_PRINCIPAL } from '../../shared/auth';
import { ProblemCreated, ProblemIncidentsLinked } from '../../shared/events/problems';
import type { RequestContext } from '../../shared/request-context';
import { staleAsConflict, withRetries } from '../../shared/unit-of-work';
import { detectionPolicy } from './config';
import {
  type DetectionSubject,
  directUpstream,
  getClaims,
  getSubject,
  linksOfIncidents,
  membersInWindow,
  observe,
} from './detection-repository';
import {
  ActiveStates,
  createDetectedProblem,
  type DetectionDecision,
  detectionScopes,
  detectProblem,
  linkIncidents,
  type ObservedIncident,
  type ProblemView,
  windowAround,
} from './domain';
import {
  allocateProblemNumber,
  getLinks,
  getProblem,
  getProblems,
  problemsOnCi,
} from './repository';
import { domainContext, ProblemChangeSet, reviseLinks, snapshot } from './use-cases';

/**
 * Problem detection (docs/problems.md, "Detection"): for each incident event, file the
 * incident under its detection scopes, read the scopes' incidents around its creation, decide
 * with the pure policy (domain/detection.ts), and apply the decision as the system.
 */

/** The nearest scopes an incident is filed under: each is one member item and one Query. */
export const MAX_SCOPES = 25;

/** The CMDB's upstream edges, loaded level by level (BatchGetItem) and kept for one run. */
class UpstreamGraph {
  private readonly upstream = new Map<string, string[]>();

  constructor(private readonly maxDepth: number) {}

  readonly upstreamOf = (ci: string): readonly string[] => this.upstream.get(ci) ?? [];

  /** Loads every CI within maxDepth - 1 hops of `cis`: all that upstreamDepths expands. */
  async load(cis: Iterable<string>): Promise<void> {
    let frontier = [...new Set(cis)];
    for (let depth = 0; depth < this.maxDepth && frontier.length > 0; depth++) {
      const unknown = frontier.filter((ci) => !this.upstream.has(ci));
      for (const [ci, targets] of await directUpstream(unknown)) this.upstream.set(ci, targets);
      frontier = [...new Set(frontier.flatMap(this.upstreamOf))];
    }
  }
}

export type DetectionResult = DetectionDecision & {
  /** The problem created or linked to. */
  problemId?: string;
};

/** Runs detection for one observed version of an incident; idempotent under redelivery. */
export async function detectForIncident(
  observed: ObservedIncident,
  now: string,
): Promise<DetectionResult> {
  const policy = detectionPolicy;
  const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, now };
  return withRetries(async () => {
    const stored = await getSubject(observed.id);
    const isNewer = stored === undefined || stored.version < observed.version;
    // A late event decides on what is known of the incident, never on an older version.
    const incident = isNewer ? observed : withoutScopes(stored);
    const ci = incident.configurationItem;
    const graph = new UpstreamGraph(policy.maxDepth);
    if (ci !== undefined) await graph.load([ci]);
    const scopes =
      ci === undefined
        ? []
        : detectionScopes(ci, graph.upstreamOf, policy)
            .slice(0, MAX_SCOPES)
            .map((scope) => scope.configurationItem);
    if (isNewer) await observe({ ...observed, scopes }, stored).catch(staleAsConflict);
    if (ci === undefined) return { kind: 'none', reason: 'no-configuration-item' };

    const window = windowAround(incident.createdAt, policy);
    const recentIncidents = (
      await Promise.all(scopes.map((scope) => membersInWindow(scope, window.from, window.to)))
    ).flat();
    await graph.load(recentIncidents.flatMap((recent) => recent.configurationItem ?? []));
    const claims = await getClaims(scopes);
    const problems = await problemViews(scopes, recentIncidents, claims);
    const decision = detectProblem({
      incident,
      recentIncidents,
      upstreamOf: graph.upstreamOf,
      problems,
      policy,
    });
    return apply(decision, claims, ctx);
  });
}

function withoutScopes(subject: DetectionSubject): ObservedIncident {
  const { scopes: _scopes, ...incident } = subject;
  return incident;
}

/**
 * The problems detection must know: active ones on the scopes' CIs, the problems the scopes
 * are claimed by, and those linked to the recent incidents (any state: an incident linked to
 * a settled problem does not count again). Only links to the recent incidents matter. The
 * links to the problems already known are read by key (BatchGetItem, strongly: an index may
 * not show a problem created a moment ago); only the incidents none of them holds are looked
 * up in the links' index, so a storm of incidents behind one CI, all linked to one problem,
 * costs a few batch reads per event rather than a query per incident.
 */
async function problemViews(
  scopes: readonly string[],
  recentIncidents: readonly ObservedIncident[],
  claims: ReadonlyMap<string, string>,
): Promise<ProblemView[]> {
  const incidentIds = [...new Set(recentIncidents.map((incident) => incident.id))];
  const onScopes = (
    await Promise.all(scopes.map((scope) => problemsOnCi(scope, ActiveStates)))
  ).flat();
  const known = [...new Set([...onScopes.map((problem) => problem.id), ...claims.values()])];
  const knownLinks = (await Promise.all(known.map((id) => getLinks(id, incidentIds)))).flat();
  const held = new Set(knownLinks.map((link) => link.incidentId));
  const otherLinks = await linksOfIncidents(incidentIds.filter((id) => !held.has(id)));
  const links = [...knownLinks, ...otherLinks];
  const problems = await getProblems([
    ...new Set([...known, ...otherLinks.map((link) => link.problemId)]),
  ]);
  return problems.map((problem) => ({
    id: problem.id,
    state: problem.state,
    ...(problem.configurationItem ? { configurationItem: problem.configurationItem } : {}),
    createdAt: problem.createdAt,
    linkedIncidentIds: [
      ...new Set(
        links.filter((link) => link.problemId === problem.id).map((link) => link.incidentId),
      ),
    ],
  }));
}

async function apply(
  decision: DetectionDecision,
  claims: ReadonlyMap<string, string>,
  ctx: RequestContext,
): Promise<DetectionResult> {
  switch (decision.kind) {
    case 'none':
      return decision;
    case 'link': {
      const problem = await getProblem(decision.problemId);
      if (!problem) throw new Error(`Problem ${decision.problemId} vanished.`);
      const incidentIds = decision.incidents.map((incident) => incident.id);
      const existing = await getLinks(problem.id, incidentIds);
      const result = linkIncidents(
        snapshot(problem),
        decision.incidents,
        existing,
        domainContext(ctx),
      );
      const changes = new ProblemChangeSet(ctx);
      reviseLinks(changes, problem, result, 'detect-link');
      await changes.commit().catch(staleAsConflict);
      return { ...decision, problemId: problem.id };
    }
    case 'create': {
      const scope = decision.candidate.configurationItem;
      const number = await allocateProblemNumber();
      const { problem, links } = createDetectedProblem(decision, number, domainContext(ctx));
      const changes = new ProblemChangeSet(ctx);
      changes.link(links);
      const claimedBy = claims.get(scope);
      changes.claimScope({
        scope,
        problemId: problem.id,
        claimedAt: ctx.now,
        ...(claimedBy ? { replaces: claimedBy } : {}),
      });
      changes.revise(
        undefined,
        problem,
        'detect',
        [],
        [
          changes.event(ProblemCreated, problem, { problem }),
          changes.event(ProblemIncidentsLinked, problem, { problem, links }),
        ],
      );
      // The derived id taken, or the scope claimed meanwhile: decide again, then link.
      await changes.commit().catch(staleAsConflict);
      return { ...decision, problemId: problem.id };
    }
  }
}
