import { describe, expect, it } from 'vitest';
import { api, tokenFor } from './support/client';

describe('the local runtime behind the API', () => {
  it('serves the OpenAPI document without a token', async () => {
    const response = await api<{ openapi: string }>('GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
  });

  it('answers an unknown route with 404 like API Gateway', async () => {
    const response = await api('GET', '/no-such-route');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ message: 'Not Found' });
  });

  it('answers a protected route without a token with 401 like API Gateway', async () => {
    const response = await api('GET', '/incidents');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ message: 'Unauthorized' });
  });

  it('lets a valid token through to the function', async () => {
    const response = await api('GET', '/incidents', { token: await tokenFor('agent') });
    expect(response.status).not.toBe(401);
    expect(response.status).toBeLessThan(500);
  });
});
