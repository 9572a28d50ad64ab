/**
 * `npx tsx bench/impact-walk.ts`: impact analysis on a CMDB of 10,000 CIs and 50,000
 * relationships (services on applications, on databases and servers, servers in redundancy
 * groups and on network devices). Prints the index build time and p50/p99 of 1,000 walks from
 * random CIs with maxDepth 6. Target: p99 well under 50 ms. The graph is pseudo-random from a
 * fixed seed, so runs compare.
 */
import {
  buildImpactGraph,
  type CiClass,
  type CiRelationship,
  computeImpact,
  type ImpactCi,
  type RedundancyGroup,
  type RelationshipType,
} from '../functions/cmdb/domain';
import { percentile } from './stats';

const RELATIONSHIP_COUNT = 50_000;
const WALKS = 1_000;
const MAX_DEPTH = 6;
const P99_TARGET_MS = 50;
const SEED = 20_250_301;

const LAYERS: readonly { ciClass: CiClass; count: number }[] = [
  { ciClass: 'service', count: 300 },
  { ciClass: 'application', count: 2_500 },
  { ciClass: 'database', count: 1_200 },
  { ciClass: 'cluster', count: 600 },
  { ciClass: 'server', count: 4_800 },
  { ciClass: 'network_device', count: 600 },
];

/** mulberry32: small, fast and the same everywhere. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function generateCmdb(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const cis: ImpactCi[] = [];
  const byClass = new Map<CiClass, string[]>();
  for (const { ciClass, count } of LAYERS) {
    const ids: string[] = [];
    for (let n = 0; n < count; n += 1) {
      const id = `${ciClass}-${String(n).padStart(5, '0')}`;
      ids.push(id);
      cis.push({ id, ciClass, name: `${ciClass} ${Math.floor(random() * 1e9).toString(36)}` });
    }
    byClass.set(ciClass, ids);
  }
  const of = (ciClass: CiClass) => byClass.get(ciClass) ?? [];
  const relationships: CiRelationship[] = [];
  const relate = (source: string, type: RelationshipType, target: string) =>
    relationships.push({ source, type, target });

  // Every server is in a redundancy group (needing about half its members) and on a switch.
  const groups: RedundancyGroup[] = of('cluster').map((id) => ({
    id,
    minimumUp: 1,
    members: [],
  }));
  for (const server of of('server')) {
    relate(server, 'member_of', pick(of('cluster')));
    relate(server, 'connects_to', pick(of('network_device')));
  }
  for (const group of groups) {
    const memberCount = relationships.filter(
      (relationship) => relationship.type === 'member_of' && relationship.target === group.id,
    ).length;
    group.minimumUp = Math.max(1, Math.ceil(memberCount / 2));
  }
  for (const database of of('database')) relate(database, 'runs_on', pick(of('cluster')));
  for (const application of of('application')) {
    relate(application, 'runs_on', pick(of('cluster')));
    relate(application, 'depends_on', pick(of('database')));
  }
  for (const service of of('service')) relate(pick(of('application')), 'provides', service);

  // The rest: a realistic mix of further dependencies between and within layers.
  const extras: readonly (() => void)[] = [
    () => relate(pick(of('service')), 'depends_on', pick(of('application'))),
    () => relate(pick(of('application')), 'depends_on', pick(of('application'))),
    () => relate(pick(of('application')), 'depends_on', pick(of('database'))),
    () => relate(pick(of('database')), 'replicates_to', pick(of('database'))),
    () => relate(pick(of('application')), 'runs_on', pick(of('server'))),
    () => relate(pick(of('server')), 'connects_to', pick(of('network_device'))),
    () => relate(pick(of('service')), 'depends_on', pick(of('service'))),
    () => relate(pick(of('server')), 'managed_by', pick(of('application'))),
  ];
  while (relationships.length < RELATIONSHIP_COUNT) pick(extras)();
  return { cis, relationships, groups, pick };
}

const random = randomSource(SEED);
const { cis, relationships, groups, pick } = generateCmdb(random);

let buildStart = performance.now();
let graph = buildImpactGraph(cis, relationships, groups);
const firstBuildMs = performance.now() - buildStart;
// Warm builds, as a long-lived function would see after its first request.
const buildTimes: number[] = [];
for (let n = 0; n < 5; n += 1) {
  buildStart = performance.now();
  graph = buildImpactGraph(cis, relationships, groups);
  buildTimes.push(performance.now() - buildStart);
}

const walkTimes: number[] = [];
const impactedCounts: number[] = [];
let truncatedWalks = 0;
const ids = cis.map((ci) => ci.id);
for (let n = 0; n < WALKS; n += 1) {
  const failed = pick(ids);
  const alsoDown = n % 10 === 0 ? [pick(ids), pick(ids), pick(ids)] : [];
  const walkStart = performance.now();
  const result = computeImpact(graph, failed, { maxDepth: MAX_DEPTH, alsoDown });
  walkTimes.push(performance.now() - walkStart);
  impactedCounts.push(result.impacted.length);
  if (result.truncated) truncatedWalks += 1;
}
walkTimes.sort((a, b) => a - b);
impactedCounts.sort((a, b) => a - b);

const p99 = percentile(walkTimes, 99);
const verdict = p99 < P99_TARGET_MS ? 'ok' : 'OVER TARGET';
const format = (ms: number) => `${ms.toFixed(2)} ms`;
const [p50Walk, maxWalk] = [percentile(walkTimes, 50), walkTimes.at(-1) ?? NaN];
const warmBuild = percentile(
  buildTimes.sort((a, b) => a - b),
  50,
);
console.log(`graph: ${graph.ciCount} CIs, ${relationships.length} relationships`);
console.log(`       ${graph.edgeCount} impact edges, ${groups.length} redundancy groups`);
console.log(`build: first ${format(firstBuildMs)}, warm median ${format(warmBuild)}`);
console.log(
  `walks: ${WALKS} at maxDepth ${MAX_DEPTH}: p50 ${format(p50Walk)}, p99 ${format(p99)},` +
    ` max ${format(maxWalk)} (${verdict}: p99 < ${P99_TARGET_MS} ms)`,
);
console.log(
  `impacted per walk: p50 ${percentile(impactedCounts, 50)},` +
    ` p99 ${percentile(impactedCounts, 99)}, max ${impactedCounts.at(-1)};` +
    ` truncated ${truncatedWalks} of ${WALKS}`,
);
if (p99 >= P99_TARGET_MS) process.exitCode = 1;
