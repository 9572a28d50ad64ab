import { Service } from 'electrodb';
import { documentClient } from '../../shared/db/client';
import { configurationItemTopology } from '../../shared/db/configuration-item-reference';
import { commitTransaction } from '../../shared/db/journal';
import { justAfter } from '../../shared/db/listing';
import { problemIncidentLinkEntity } from '../../shared/db/problem-links';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import { upstreamTargets } from '../../shared/domain/ci-relationships';
import { config } from './config';
import type { ObservedIncident, ProblemIncidentLink } from './domain';
import { detectionClaimEntity, detectionMemberEntity, detectionSubjectEntity } from './entities';

/**
 * Detection's reads and its read model (docs/problems.md, "Detection"). The problem writes it
 * decides on go through the problem repository, in one transaction with the scope's claim.
 */
const store = new Service(
  {
    subject: detectionSubjectEntity,
    member: detectionMemberEntity,
    claim: detectionClaimEntity,
    topology: configurationItemTopology,
    link: problemIncidentLinkEntity,
  },
  { client: documentClient, table: config[TABLE_NAME_ENV] },
);
const { subject, member, claim, topology, link } = store.entities;

/** What detection last saw of an incident, and the scopes it is filed under. */
export type DetectionSubject = ObservedIncident & { scopes: string[] };

export async function getSubject(incidentId: string): Promise<DetectionSubject | undefined> {
  const { data } = await subject.get({ incidentId }).go({ consistent: true });
  if (!data) return undefined;
  const { incidentId: id, scopes, ...rest } = data;
  return { id, ...rest, scopes: scopes ?? [] };
}

/**
 * Records a newer version of an incident: the subject (only if what is stored is older, so a
 * late event never overwrites a newer one), its member item in each scope, and the removal of
 * its member items from scopes it left (its CI changed). One transaction; a lost race is a
 * StaleVersionError or a conflict, which the use case retries on fresh data.
 */
export async function observe(
  next: DetectionSubject,
  previous: DetectionSubject | undefined,
): Promise<void> {
  const { id: incidentId, scopes, ...fields } = next;
  const left = (previous?.scopes ?? []).filter((scope) => !scopes.includes(scope));
  await commitTransaction(
    store.transaction
      .write(({ subject, member }) => [
        previous
          ? subject
              .put({ incidentId, scopes, ...fields })
              .where((attributes, { eq }) => eq(attributes.version, previous.version))
              .commit()
          : subject.create({ incidentId, scopes, ...fields }).commit(),
        ...scopes.map((scope) => member.put({ scope, incidentId, ...fields }).commit()),
        ...(previous
          ? left.map((scope) =>
              member.delete({ scope, incidentId, createdAt: previous.createdAt }).commit(),
            )
          : []),
      ])
      .go(),
    { items: [{ item: { id: incidentId } }] },
  );
}

/** The incidents filed under `scope` created within [from, to]. */
export async function membersInWindow(
  scope: string,
  from: string,
  to: string,
): Promise<ObservedIncident[]> {
  const { data } = await member.query
    .primary({ scope })
    .between({ createdAt: from }, { createdAt: justAfter(to) })
    .go({ pages: 'all' });
  return data.map(({ scope: _scope, incidentId, ...rest }) => ({ id: incidentId, ...rest }));
}

/** Each CI's direct upstream CIs (see upstreamTargets); an unknown CI has none. */
export async function directUpstream(ids: readonly string[]): Promise<Map<string, string[]>> {
  const upstream = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return upstream;
  const { data } = await topology.get(ids.map((id) => ({ id }))).go({ concurrent: 1 });
  for (const ci of data) upstream.set(ci.id, upstreamTargets(ci.edges));
  return upstream;
}

/** The problem detection created on each scope, read strongly. */
export async function getClaims(scopes: readonly string[]): Promise<Map<string, string>> {
  const claims = new Map<string, string>();
  if (scopes.length === 0) return claims;
  const { data } = await claim
    .get(scopes.map((scope) => ({ scope })))
    .go({ consistent: true, concurrent: 1 });
  for (const item of data) claims.set(item.scope, item.problemId);
  return claims;
}

/** The links of these incidents to any problem (an index: eventually consistent). */
export async function linksOfIncidents(
  incidentIds: readonly string[],
): Promise<ProblemIncidentLink[]> {
  const pages = await Promise.all(
    incidentIds.map((incidentId) => link.query.byIncident({ incidentId }).go({ pages: 'all' })),
  );
  return pages.flatMap((page) => page.data);
}
