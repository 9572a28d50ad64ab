import { expect } from 'vitest';
import { api } from './client';

/** Helpers of the change, release and gate API tests, which plan changes in time on CIs. */

const HOUR_MS = 60 * 60 * 1000;

/** Saturday 22:00 UTC of a random far-future week, so that no other test plans at that time. */
export function aSaturdayNight(): number {
  return Date.UTC(2031, 0, 4, 22) + Math.floor(Math.random() * 400_000) * 7 * 24 * HOUR_MS;
}

export const at = (base: number, hours: number) => new Date(base + hours * HOUR_MS).toISOString();

/** A new operational application CI, created by `adminToken`; its id. */
export async function aCi(adminToken: string, namePrefix: string): Promise<string> {
  const response = await api<{ id: string }>('POST', '/cis', {
    token: adminToken,
    body: {
      ciClass: 'application',
      name: `${namePrefix}-${crypto.randomUUID().slice(0, 6)}`,
      criticality: 3,
      environment: 'production',
      lifecycleState: 'operational',
    },
  });
  expect(response.status).toBe(201);
  return response.body.id;
}
