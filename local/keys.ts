import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { type Role, Roles, Scopes } from '../shared/auth';
import { LOCAL_AWS } from './dynamodb';

/**
 * The local stand-in for Cognito: an RSA key pair kept in the data dir signs access tokens
 * shaped like Cognito's, and the local API gateway verifies them the way the HTTP API's JWT
 * authorizer does (signature, issuer, audience or client_id, expiry).
 */

/** Every Cognito user pool of the template resolves to this id. */
export const LOCAL_USER_POOL_ID = `${LOCAL_AWS.region}_local`;
/** Every Cognito app client of the template resolves to this id: the tokens' audience. */
export const LOCAL_CLIENT_ID = 'local-client';
/** What the template's Cognito issuer URL resolves to: Cognito's shape, a pool that exists nowhere. */
export const LOCAL_ISSUER = `https://cognito-idp.${LOCAL_AWS.region}.amazonaws.com/${LOCAL_USER_POOL_ID}`;

const ALGORITHM = 'RS256';
const KEY_FILE = 'jwt-signing-key.json';

export type TokenRole = Role | 'client';
export const TOKEN_ROLES: readonly TokenRole[] = [...Roles, 'client'];

/** One stable person per role, so that tokens minted at different times are the same user. */
export const ROLE_SUBJECTS: Record<Role, string> = {
  requester: '11111111-1111-4111-8111-111111111111',
  agent: '22222222-2222-4222-8222-222222222222',
  admin: '33333333-3333-4333-8333-333333333333',
};

/** Scopes of a machine client's (client credentials) token. */
export const CLIENT_SCOPE = Object.values(Scopes).join(' ');
/** Scopes of a person's token from the hosted UI: those the template's people client allows. */
export const USER_SCOPE = `openid email profile ${CLIENT_SCOPE}`;

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/**
 * The signing key (private JWK with `kid`) in `dataDir`, created on first use. Written
 * exclusively, so that concurrent first uses agree on one key.
 */
export async function loadSigningKey(dataDir: string): Promise<JWK> {
  const path = join(dataDir, KEY_FILE);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const key: JWK = { ...jwk, alg: ALGORITHM, use: 'sig', kid: await calculateJwkThumbprint(jwk) };
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, JSON.stringify(key, null, 2), { flag: 'wx', mode: 0o600 });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  }
}

/** The public half of a private RSA JWK. */
export function publicJwk(privateKey: JWK): JWK {
  const { kty, n, e, alg, use, kid } = privateKey;
  return { kty, n, e, alg, use, kid };
}

export interface TokenOptions {
  role: TokenRole;
  /** Defaults to the role's stable subject (people) or the app client id (machine clients). */
  sub?: string;
  /** Space-separated scopes; defaults to USER_SCOPE or CLIENT_SCOPE. */
  scope?: string;
  expiresInSeconds?: number;
  /** Seconds since the epoch; defaults to now (tests use the past to get expired tokens). */
  issuedAt?: number;
}

/** Signs an access token shaped like Cognito's for `role`. */
export async function mintToken(privateKey: JWK, options: TokenOptions): Promise<string> {
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const common = {
    token_use: 'access',
    auth_time: issuedAt,
    client_id: LOCAL_CLIENT_ID,
    jti: randomUUID(),
  };
  const claims =
    options.role === 'client'
      ? {
          ...common,
          sub: options.sub ?? LOCAL_CLIENT_ID,
          client_id: options.sub ?? LOCAL_CLIENT_ID,
          // Another client id is no app client of the template: `aud` keeps the token valid.
          ...(options.sub === undefined ? {} : { aud: LOCAL_CLIENT_ID }),
          scope: options.scope ?? CLIENT_SCOPE,
          version: 2,
        }
      : {
          ...common,
          sub: options.sub ?? ROLE_SUBJECTS[options.role],
          'cognito:groups': [options.role],
          username: `local-${options.role}`,
          scope: options.scope ?? USER_SCOPE,
          origin_jti: randomUUID(),
          event_id: randomUUID(),
        };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid: privateKey.kid as string })
    .setIssuer(LOCAL_ISSUER)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.expiresInSeconds ?? 3600))
    .sign(await importJWK(privateKey, ALGORITHM));
}

export interface JwtAuthorizerConfig {
  issuer: string;
  audience: string[];
}

export type TokenVerifier = (
  token: string,
  authorizer: JwtAuthorizerConfig,
) => Promise<Record<string, unknown>>;

/**
 * Verifies like the HTTP API JWT authorizer: a key with the token's `kid`, the signature,
 * `iss`, `aud` (or `client_id` when there is no `aud`) among the audiences, `exp`, `nbf`, and
 * `iat` not in the future. Throws InvalidTokenError with the reason.
 */
export function createTokenVerifier(publicKey: JWK): TokenVerifier {
  const keySet = createLocalJWKSet({ keys: [publicKey] });
  return async (token, authorizer) => {
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, keySet, {
        issuer: authorizer.issuer,
        algorithms: [ALGORITHM],
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new InvalidTokenError('the token has expired');
      if (error instanceof errors.JOSEError) throw new InvalidTokenError(error.message);
      throw error;
    }
    if (Number(claims.iat) > Math.floor(Date.now() / 1000) + 5) {
      throw new InvalidTokenError('the token was issued in the future');
    }
    const audiences = claims.aud === undefined ? [claims.client_id] : [claims.aud].flat();
    if (!audiences.some((audience) => authorizer.audience.includes(String(audience)))) {
      throw new InvalidTokenError('the token does not have a valid audience');
    }
    return claims;
  };
}
