import { UnauthorizedError } from './errors';
import * as z from './zod';

/**
 * Who is calling, derived from the JWT claims the API Gateway JWT authorizer (or, locally,
 * the local runtime) has verified. People carry roles as Cognito groups; machine clients
 * (client-credentials tokens) carry OAuth scopes instead.
 */
export const Roles = ['requester', 'agent', 'admin'] as const;
export type Role = (typeof Roles)[number];

/** OAuth scopes of the resource server, `<resource server id>/<scope>`. */
export const RESOURCE_SERVER_ID = 'itsm';
export const Scopes = {
  incidentsRead: `${RESOURCE_SERVER_ID}/incidents.read`,
  incidentsWrite: `${RESOURCE_SERVER_ID}/incidents.write`,
  problemsRead: `${RESOURCE_SERVER_ID}/problems.read`,
  problemsWrite: `${RESOURCE_SERVER_ID}/problems.write`,
  changesRead: `${RESOURCE_SERVER_ID}/changes.read`,
  changesWrite: `${RESOURCE_SERVER_ID}/changes.write`,
  cmdbRead: `${RESOURCE_SERVER_ID}/cmdb.read`,
  cmdbWrite: `${RESOURCE_SERVER_ID}/cmdb.write`,
} as const;

export interface Principal {
  /** `sub` for people, `client_id` for machine clients. */
  id: string;
  kind: 'user' | 'client';
  /** The highest role the principal holds; machine clients have none. */
  role: Role | undefined;
  scopes: ReadonlySet<string>;
}

/**
 * The system itself (scheduled jobs, event consumers): a client holding every scope, so that
 * it passes the same rules like any integration. Events record it as actor kind `system`.
 */
export const SYSTEM_PRINCIPAL: Principal = Object.freeze({
  id: 'system',
  kind: 'client',
  role: undefined,
  scopes: new Set<string>(Object.values(Scopes)),
});

export function isSystemPrincipal(principal: Principal): boolean {
  return principal.kind === 'client' && principal.id === SYSTEM_PRINCIPAL.id;
}

const ClaimsSchema = z.looseObject({
  sub: z.string().check(z.minLength(1)),
  client_id: z.optional(z.string()),
  'cognito:groups': z.optional(z.union([z.array(z.string()), z.string()])),
  scope: z.optional(z.string()),
});

function parseGroups(groups: string[] | string | undefined): string[] {
  if (groups === undefined) return [];
  if (Array.isArray(groups)) return groups;
  // API Gateway flattens array claims into "[a b]" (HTTP API) strings.
  return groups
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

export function principalFromClaims(claims: Record<string, unknown> | undefined): Principal {
  const parsed = ClaimsSchema.safeParse(claims ?? {});
  if (!parsed.success) throw new UnauthorizedError('The token carries no subject.');
  const groups = parseGroups(parsed.data['cognito:groups']);
  const scopes = new Set((parsed.data.scope ?? '').split(' ').filter(Boolean));
  const role = (['admin', 'agent', 'requester'] as const).find((r) => groups.includes(r));
  const isClient = groups.length === 0 && parsed.data.client_id === parsed.data.sub;
  if (isClient) return { id: parsed.data.sub, kind: 'client', role: undefined, scopes };
  // A signed-in person without a group is a requester: anyone may report an incident.
  return { id: parsed.data.sub, kind: 'user', role: role ?? 'requester', scopes };
}
