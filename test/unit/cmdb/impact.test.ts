import { describe, expect, it } from 'vitest';
import {
  buildImpactGraph,
  type CiClass,
  type CiRelationship,
  computeImpact,
  type ImpactCi,
  type ImpactResult,
  InvalidImpactGraphError,
  inverseOf,
  type RedundancyGroup,
  type RelationshipType,
  redundancyGroupsFrom,
} from '../../../functions/cmdb/domain';
import { NotFoundError } from '../../../shared/errors';

type Edge = [source: string, type: RelationshipType, target: string];

const ci = (id: string, ciClass: CiClass = 'application', name = id): ImpactCi => ({
  id,
  ciClass,
  name,
});

const relationshipsOf = (edges: readonly Edge[]): CiRelationship[] =>
  edges.map(([source, type, target]) => ({ source, type, target }));

function impactOf(
  cis: readonly ImpactCi[],
  edges: readonly Edge[],
  failed: string,
  options: { maxDepth?: number; alsoDown?: string[]; groups?: RedundancyGroup[] } = {},
): ImpactResult {
  const graph = buildImpactGraph(cis, relationshipsOf(edges), options.groups);
  return computeImpact(graph, failed, {
    maxDepth: options.maxDepth ?? 10,
    alsoDown: options.alsoDown,
  });
}

const idsOf = (result: ImpactResult) => result.impacted.map((impacted) => impacted.ciId);
const depthsOf = (result: ImpactResult) =>
  Object.fromEntries(result.impacted.map((impacted) => [impacted.ciId, impacted.depth]));
const pathOf = (result: ImpactResult, id: string) =>
  result.impacted
    .find((impacted) => impacted.ciId === id)
    ?.path.map((step) => [step.ciId, step.via]);

describe('computeImpact: propagation along relationship types', () => {
  it.each<[string, Edge, string, string | undefined]>([
    ['the dependent of what it depends on', ['a', 'depends_on', 'b'], 'b', 'a'],
    ['nothing of what a failed CI depends on', ['a', 'depends_on', 'b'], 'a', undefined],
    ['what runs on a failed host', ['a', 'runs_on', 'b'], 'b', 'a'],
    ['what is hosted on a failed host', ['a', 'hosted_on', 'b'], 'b', 'a'],
    ['what a failed container contains', ['a', 'contains', 'b'], 'a', 'b'],
    ['nothing of the container of a failed part', ['a', 'contains', 'b'], 'b', undefined],
    ['the CI that connects to a failed one', ['a', 'connects_to', 'b'], 'b', 'a'],
    ['the group of a failed member (no redundancy declared)', ['a', 'member_of', 'b'], 'a', 'b'],
    ['the service a failed CI provides', ['a', 'provides', 'b'], 'a', 'b'],
    ['nothing that a failed tool manages', ['a', 'managed_by', 'b'], 'b', undefined],
    ['nothing of the tool managing a failed CI', ['a', 'managed_by', 'b'], 'a', undefined],
    ['nothing of the replica of a failed primary', ['a', 'replicates_to', 'b'], 'a', undefined],
    ['nothing of the primary of a failed replica', ['a', 'replicates_to', 'b'], 'b', undefined],
  ])('impacts %s', (_case, edge, failed, expected) => {
    const cis = [ci('a'), ci('b')];
    const forward = impactOf(cis, [edge], failed);
    expect(idsOf(forward)).toEqual(expected === undefined ? [] : [expected]);
    // The inverse form states the same fact and must impact the same CIs.
    const [source, type, target] = edge;
    const inverse = impactOf(cis, [[target, inverseOf(type), source]], failed);
    expect(idsOf(inverse)).toEqual(idsOf(forward));
    expect(inverse.impacted).toEqual(forward.impacted);
  });

  it('reports services as services and other CIs as CIs', () => {
    const result = impactOf(
      [ci('db', 'database'), ci('app'), ci('shop', 'service')],
      [
        ['app', 'depends_on', 'db'],
        ['app', 'provides', 'shop'],
      ],
      'db',
    );
    expect(result.impacted.map(({ ciId, kind, ciClass }) => [ciId, kind, ciClass])).toEqual([
      ['app', 'ci', 'application'],
      ['shop', 'service', 'service'],
    ]);
  });
});

describe('computeImpact: walking the graph', () => {
  const chain = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'].map((id) => ci(id));
  // c5 depends on c4 ... depends on c0: a failure of c0 travels the whole chain.
  const chainEdges: Edge[] = chain
    .slice(1)
    .map((link, index) => [link.id, 'depends_on', chain[index]?.id as string]);

  it('follows a chain, one level per relationship, with the path that explains each CI', () => {
    const result = impactOf(chain, chainEdges, 'c0');
    expect(depthsOf(result)).toEqual({ c1: 1, c2: 2, c3: 3, c4: 4, c5: 5 });
    expect(pathOf(result, 'c3')).toEqual([
      ['c1', 'depends_on'],
      ['c2', 'depends_on'],
      ['c3', 'depends_on'],
    ]);
    expect(result.truncated).toBe(false);
  });

  it('stops at maxDepth and says more lies beyond', () => {
    const result = impactOf(chain, chainEdges, 'c0', { maxDepth: 3 });
    expect(idsOf(result)).toEqual(['c1', 'c2', 'c3']);
    expect(result.truncated).toBe(true);
  });

  it('is not truncated when the depth limit is exactly the length of the chain', () => {
    const result = impactOf(chain, chainEdges, 'c0', { maxDepth: 5 });
    expect(idsOf(result)).toHaveLength(5);
    expect(result.truncated).toBe(false);
  });

  it('with maxDepth 0 looks nowhere, truncated when something would be impacted', () => {
    expect(impactOf(chain, chainEdges, 'c0', { maxDepth: 0 })).toEqual({
      impacted: [],
      truncated: true,
    });
    expect(impactOf(chain, chainEdges, 'c5', { maxDepth: 0 })).toEqual({
      impacted: [],
      truncated: false,
    });
  });

  it('in a diamond, reports the top once, by the shortest path through the first by name', () => {
    const result = impactOf(
      [ci('top'), ci('left'), ci('right'), ci('bottom', 'database')],
      [
        ['top', 'depends_on', 'right'],
        ['top', 'depends_on', 'left'],
        ['right', 'depends_on', 'bottom'],
        ['left', 'depends_on', 'bottom'],
      ],
      'bottom',
    );
    expect(idsOf(result)).toEqual(['left', 'right', 'top']);
    expect(pathOf(result, 'top')).toEqual([
      ['left', 'depends_on'],
      ['top', 'depends_on'],
    ]);
  });

  it('prefers a shorter path to one through an earlier name', () => {
    const result = impactOf(
      [ci('failed'), ci('a-long-way'), ci('z-short-way'), ci('target')],
      [
        ['a-long-way', 'depends_on', 'failed'],
        ['z-short-way', 'depends_on', 'a-long-way'],
        ['target', 'depends_on', 'z-short-way'],
        ['target', 'runs_on', 'failed'],
      ],
      'failed',
    );
    expect(pathOf(result, 'target')).toEqual([['target', 'runs_on']]);
  });

  it('terminates on cycles and never reports the failed CI', () => {
    const result = impactOf(
      [ci('a'), ci('b'), ci('c')],
      [
        ['a', 'depends_on', 'b'],
        ['b', 'depends_on', 'c'],
        ['c', 'depends_on', 'a'],
      ],
      'a',
    );
    expect(depthsOf(result)).toEqual({ c: 1, b: 2 });
  });

  it('orders by depth, then name regardless of case, then id', () => {
    const result = impactOf(
      [
        ci('x'),
        ci('id-2', 'application', 'beta'),
        ci('id-1', 'application', 'beta'),
        ci('A1'),
        ci('b0'),
        ci('deep'),
      ],
      [
        ['id-2', 'depends_on', 'x'],
        ['id-1', 'depends_on', 'x'],
        ['b0', 'depends_on', 'x'],
        ['A1', 'depends_on', 'x'],
        ['deep', 'depends_on', 'A1'],
      ],
      'x',
    );
    expect(idsOf(result)).toEqual(['A1', 'b0', 'id-1', 'id-2', 'deep']);
  });

  it('gives the same result whatever the order and form of its input', () => {
    const cis = [ci('s', 'service'), ci('a1'), ci('a2'), ci('db', 'database'), ci('h', 'server')];
    const edges: Edge[] = [
      ['s', 'depends_on', 'a1'],
      ['s', 'depends_on', 'a2'],
      ['a1', 'depends_on', 'db'],
      ['a2', 'depends_on', 'db'],
      ['db', 'runs_on', 'h'],
      ['a1', 'runs_on', 'h'],
    ];
    const expected = impactOf(cis, edges, 'h');
    const reordered = impactOf(
      [...cis].reverse(),
      [...edges]
        .reverse()
        .map(
          ([source, type, target], index): Edge =>
            index % 2 === 0 ? [target, inverseOf(type), source] : [source, type, target],
        ),
      'h',
    );
    expect(reordered).toEqual(expected);
    expect(depthsOf(expected)).toEqual({ db: 1, a1: 1, a2: 2, s: 2 });
  });

  it('explains parallel relationships by the type listed first, keeping one edge', () => {
    const graph = buildImpactGraph(
      [ci('a'), ci('b')],
      relationshipsOf([
        ['a', 'connects_to', 'b'],
        ['a', 'depends_on', 'b'],
      ]),
    );
    expect(graph.edgeCount).toBe(1);
    expect(computeImpact(graph, 'b', { maxDepth: 1 }).impacted[0]?.path).toEqual([
      { ciId: 'a', via: 'depends_on' },
    ]);
  });

  it('ignores relationships to CIs it does not know and self-relationships', () => {
    const result = impactOf(
      [ci('a'), ci('b')],
      [
        ['a', 'depends_on', 'b'],
        ['ghost', 'depends_on', 'b'],
        ['b', 'depends_on', 'b'],
      ],
      'b',
    );
    expect(idsOf(result)).toEqual(['a']);
  });

  it('reaches a CI that is already down and goes on from it', () => {
    const result = impactOf(chain, chainEdges, 'c0', { alsoDown: ['c2'] });
    expect(idsOf(result)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
  });
});

describe('computeImpact: redundancy groups', () => {
  // Four web servers behind a cluster that needs two of them; the shop runs on the cluster.
  const members = ['web-1', 'web-2', 'web-3', 'web-4'];
  const cis = [
    ci('shop', 'service'),
    ci('app'),
    ci('cluster', 'cluster'),
    ...members.map((id) => ci(id, 'server')),
  ];
  const edges: Edge[] = [
    ['shop', 'depends_on', 'app'],
    ['app', 'runs_on', 'cluster'],
    ...members.map((id): Edge => [id, 'member_of', 'cluster']),
  ];
  const groups: RedundancyGroup[] = [{ id: 'cluster', minimumUp: 2, members }];

  // web-1 fails; `alreadyDown` other members were down before.
  it.each([
    [0, false],
    [1, false],
    [2, true],
    [3, true],
  ])('with %i other members already down, the group is impacted: %s', (alreadyDown, impacted) => {
    const result = impactOf(cis, edges, 'web-1', {
      groups,
      alsoDown: members.slice(1, 1 + alreadyDown),
    });
    expect(idsOf(result)).toEqual(impacted ? ['cluster', 'app', 'shop'] : []);
  });

  it('says which members were down when the group tipped, and explains it by the failure', () => {
    const result = impactOf(cis, edges, 'web-1', { groups, alsoDown: ['web-3', 'web-4'] });
    expect(result.impacted[0]).toEqual({
      ciId: 'cluster',
      name: 'cluster',
      ciClass: 'cluster',
      kind: 'ci',
      depth: 1,
      path: [{ ciId: 'cluster', via: 'members' }],
      redundancy: { minimumUp: 2, memberCount: 4, membersDown: ['web-1', 'web-3', 'web-4'] },
    });
    expect(pathOf(result, 'shop')).toEqual([
      ['cluster', 'members'],
      ['app', 'runs_on'],
      ['shop', 'depends_on'],
    ]);
  });

  it.each([
    [1, 3, false],
    [1, 4, true],
    [4, 1, true],
    [3, 1, false],
    [3, 2, true],
  ])(
    'needing %i of 4 up, with %i members failing behind one switch, impacts the group: %s',
    (minimumUp, failing, impacted) => {
      const result = impactOf(
        [...cis, ci('switch', 'network_device')],
        [...edges, ...members.slice(0, failing).map((id): Edge => [id, 'connects_to', 'switch'])],
        'switch',
        { groups: [{ id: 'cluster', minimumUp, members }] },
      );
      expect(idsOf(result).includes('cluster')).toBe(impacted);
      expect(idsOf(result).includes('shop')).toBe(impacted);
    },
  );

  it('counts members failing at the same depth together, and tips the group just below them', () => {
    const result = impactOf(
      [...cis, ci('switch', 'network_device')],
      [...edges, ...members.slice(0, 3).map((id): Edge => [id, 'connects_to', 'switch'])],
      'switch',
      { groups },
    );
    expect(depthsOf(result)).toMatchObject({ 'web-1': 1, 'web-2': 1, 'web-3': 1, cluster: 2 });
    expect(pathOf(result, 'cluster')).toEqual([
      ['web-1', 'connects_to'],
      ['cluster', 'members'],
    ]);
    expect(result.impacted.find((impacted) => impacted.ciId === 'cluster')?.redundancy).toEqual({
      minimumUp: 2,
      memberCount: 4,
      membersDown: ['web-1', 'web-2', 'web-3'],
    });
  });

  it('tips the group at the depth of the member whose failure was one too many', () => {
    // Needing 1 of 2: web-a fails at depth 1, web-b only at depth 2, so the pair at depth 3.
    const result = impactOf(
      [
        ci('root', 'network_device'),
        ci('router', 'network_device'),
        ci('pair', 'cluster'),
        ci('web-a', 'server'),
        ci('web-b', 'server'),
      ],
      [
        ['web-a', 'connects_to', 'root'],
        ['router', 'connects_to', 'root'],
        ['web-b', 'connects_to', 'router'],
        ['web-a', 'member_of', 'pair'],
        ['web-b', 'member_of', 'pair'],
      ],
      'root',
      { groups: [{ id: 'pair', minimumUp: 1, members: ['web-a', 'web-b'] }] },
    );
    expect(depthsOf(result)).toEqual({ router: 1, 'web-a': 1, 'web-b': 2, pair: 3 });
    expect(pathOf(result, 'pair')).toEqual([
      ['router', 'connects_to'],
      ['web-b', 'connects_to'],
      ['pair', 'members'],
    ]);
  });

  it('is truncated when a member at the depth limit would tip the group, not otherwise', () => {
    const tipping = impactOf(cis, edges, 'web-1', {
      groups,
      alsoDown: ['web-2', 'web-3'],
      maxDepth: 0,
    });
    expect(tipping.truncated).toBe(true);
    const holding = impactOf(cis, edges, 'web-1', { groups, maxDepth: 0 });
    expect(holding.truncated).toBe(false);
  });

  it('still impacts what depends on one member directly', () => {
    const result = impactOf(
      [...cis, ci('agent')],
      [...edges, ['agent', 'runs_on', 'web-1']],
      'web-1',
      {
        groups,
      },
    );
    expect(idsOf(result)).toEqual(['agent']);
  });

  it('lets an unconditional relationship to the group through the gate', () => {
    const result = impactOf(cis, [...edges, ['web-1', 'contains', 'cluster']], 'web-1', { groups });
    expect(pathOf(result, 'cluster')).toEqual([['cluster', 'contained_by']]);
  });

  it('takes members from the group and from member_of relationships alike', () => {
    const result = impactOf(cis, edges, 'web-1', {
      groups: [{ id: 'cluster', minimumUp: 4, members: [] }],
    });
    expect(result.impacted[0]?.redundancy).toEqual({
      minimumUp: 4,
      memberCount: 4,
      membersDown: ['web-1'],
    });
    const listedOnly = impactOf(cis, [['app', 'runs_on', 'cluster']], 'web-2', {
      groups: [{ id: 'cluster', minimumUp: 1, members: ['web-2'] }],
    });
    expect(idsOf(listedOnly)).toEqual(['cluster', 'app']);
  });
});

describe('buildImpactGraph and computeImpact: misuse', () => {
  it('refuses a CI given twice', () => {
    expect(() => buildImpactGraph([ci('a'), ci('a')], [])).toThrow(InvalidImpactGraphError);
  });

  it.each([0, 1.5, -1])('refuses a redundancy group needing %s members', (minimumUp) => {
    expect(() =>
      buildImpactGraph([ci('g', 'cluster')], [], [{ id: 'g', minimumUp, members: [] }]),
    ).toThrow(InvalidImpactGraphError);
  });

  it('refuses a redundancy group given twice', () => {
    const group = { id: 'g', minimumUp: 1, members: [] };
    expect(() => buildImpactGraph([ci('g', 'cluster')], [], [group, group])).toThrow(
      InvalidImpactGraphError,
    );
  });

  it('does not know a CI outside the graph', () => {
    expect(() => computeImpact(buildImpactGraph([ci('a')], []), 'b', { maxDepth: 1 })).toThrow(
      NotFoundError,
    );
  });

  it.each([-1, 1.5, Number.NaN])('refuses maxDepth %s', (maxDepth) => {
    expect(() => computeImpact(buildImpactGraph([ci('a')], []), 'a', { maxDepth })).toThrow(
      RangeError,
    );
  });
});

describe('redundancyGroupsFrom', () => {
  it('makes a group of each cluster that declares minimumUp, with its members in either form', () => {
    const cluster = (id: string, attributes: Record<string, unknown>) => ({
      id,
      ciClass: 'cluster' as const,
      attributes,
    });
    const groups = redundancyGroupsFrom(
      [
        cluster('web', { minimumUp: 2 }),
        cluster('undeclared', {}),
        { id: 'h1', ciClass: 'server', attributes: {} },
      ],
      relationshipsOf([
        ['h1', 'member_of', 'web'],
        ['web', 'members', 'h2'],
        ['h3', 'member_of', 'undeclared'],
        ['h4', 'depends_on', 'web'],
      ]),
    );
    expect(groups).toEqual([{ id: 'web', minimumUp: 2, members: ['h1', 'h2'] }]);
  });
});
