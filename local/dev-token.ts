import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSigningKey, mintToken, TOKEN_ROLES, type TokenRole } from './keys';

/**
 * `npm run -s token -- <role> [--sub <id>] [--scope "<scopes>"] [--ttl <seconds>]` prints an
 * access token that the local runtime (`npm start`, same data dir) accepts. Roles: requester,
 * agent, admin (people, Cognito groups) and client (a machine client with OAuth scopes).
 */

const USAGE = `Usage: npm run -s token -- <${TOKEN_ROLES.join('|')}> [--sub <id>] [--scope "<scopes>"] [--ttl <seconds>]

Prints a signed access token for the local runtime, e.g.
  curl -H "Authorization: Bearer $(npm run -s token -- agent)" http://localhost:3000/incidents

  --sub    the person's id (default: a fixed id per role) or the machine client's id
  --scope  space-separated OAuth scopes (default: those Cognito grants the role's app client)
  --ttl    lifetime in seconds (default: 43200, twelve hours)
Environment: LOCAL_DATA_DIR (default .local) must be the data dir of the running runtime.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sub: { type: 'string' },
    scope: { type: 'string' },
    ttl: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

const role = positionals[0] as TokenRole | undefined;
const ttl = Number(values.ttl ?? 43_200);
if (values.help || !role || !TOKEN_ROLES.includes(role) || !Number.isInteger(ttl) || ttl <= 0) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 1);
}

const key = await loadSigningKey(resolve(process.env.LOCAL_DATA_DIR ?? '.local'));
console.log(
  await mintToken(key, {
    role,
    expiresInSeconds: ttl,
    ...(values.sub ? { sub: values.sub } : {}),
    ...(values.scope ? { scope: values.scope } : {}),
  }),
);
