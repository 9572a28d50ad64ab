import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_ROUTES } from '../../../functions/change/approval-routes';
import { CHANGE_API_ROUTES } from '../../../functions/change/routes';
import { CMDB_ROUTES } from '../../../functions/cmdb/routes';
import { API_DOCS_ROUTES, INCIDENT_ROUTES } from '../../../functions/incident/routes';
import { PROBLEM_ROUTES } from '../../../functions/problem/routes';
import { LOCAL_CLIENT_ID, LOCAL_ISSUER } from '../../../local/keys';
import { type LocalWiring, readWiring, synthesize } from '../../../local/template';
import { OUTBOX_STREAM_FILTER } from '../../../shared/events/outbox';

// The real CDK app, synthesized and read the way `npm start` does.
let dir: string;
let wiring: LocalWiring;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'app-wiring-'));
  wiring = readWiring(await synthesize(join(dir, 'cdk.out')));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the local wiring of the CDK app', () => {
  it('serves exactly the API routes, incident routes behind the JWT authorizer', () => {
    const routes = wiring.api?.routes ?? [];
    expect(routes.map((route) => route.routeKey).sort()).toEqual(
      [
        ...INCIDENT_ROUTES,
        ...PROBLEM_ROUTES,
        ...CHANGE_API_ROUTES,
        ...APPROVAL_ROUTES,
        ...CMDB_ROUTES,
        ...API_DOCS_ROUTES,
      ].sort(),
    );
    for (const route of routes) {
      const isPublic = (API_DOCS_ROUTES as readonly string[]).includes(route.routeKey);
      expect(route.authorizer === undefined, route.routeKey).toBe(isPublic);
      if (route.authorizer) {
        expect(route.authorizer.issuer).toBe(LOCAL_ISSUER);
        expect(route.authorizer.audience).toContain(LOCAL_CLIENT_ID);
      }
    }
  });

  it('runs every function from its bundle with the local table name', () => {
    const [table] = wiring.tables;
    expect(wiring.functions.length).toBeGreaterThan(0);
    for (const fn of wiring.functions) {
      expect(existsSync(join(fn.assetDir, 'index.mjs')), fn.logicalId).toBe(true);
      expect(fn.environment.TABLE_NAME, fn.logicalId).toBe(table?.name);
    }
  });

  it('bundles ElectroDB without the jsonschema model check (the unit tests run it)', () => {
    const bundles = wiring.functions
      .map((fn) => readFileSync(join(fn.assetDir, 'index.mjs'), 'utf8'))
      .filter((source) => source.includes('electrodb.dev'));
    expect(bundles.length).toBeGreaterThan(0);
    for (const source of bundles) {
      // A message of jsonschema's own validator.
      expect(source).not.toContain('is not of a type(s)');
    }
  });

  it('pipes new outbox items from the table stream to the bus', () => {
    expect(wiring.pipes).toHaveLength(1);
    expect(wiring.pipes[0]).toMatchObject({
      sourceTableLogicalId: wiring.tables[0]?.logicalId,
      filters: [OUTBOX_STREAM_FILTER],
      targetBusName: wiring.buses[0]?.name,
    });
  });
});
