import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import type { TestProject } from 'vitest/node';
import { loadSigningKey } from '../../local/keys';
import { startLocalRuntime } from '../../local/runtime';

/**
 * Starts the local runtime (synthesized from the CDK app, in-memory DynamoDB) on free ports
 * for the API tests, and gives them its URL and the key that signs their tokens. The
 * runtime's log goes to a file, named here, to keep the test output readable.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), 'itsm-api-tests-'));
  const logFile = join(dataDir, 'runtime.log');
  console.log(`API tests: local runtime log in ${logFile}`);
  const runtime = await startLocalRuntime({
    dataDir,
    apiPort: 0,
    inMemory: true,
    log: (line) => appendFileSync(logFile, `${line}\n`),
  });
  project.provide('apiUrl', runtime.apiUrl);
  project.provide('signingKey', await loadSigningKey(dataDir));
  return async () => {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    apiUrl: string;
    /** Private JWK the local runtime trusts; test/api/support/client.ts signs with it. */
    signingKey: JWK;
  }
}
