import { resolve } from 'node:path';
import { startLocalRuntime } from './runtime';

/**
 * `npm start`: the backend on this machine, wired from the CDK app. Data persists in
 * `.local/` (LOCAL_DATA_DIR); the API listens on PORT (3000). Ctrl+C stops everything.
 */

const dataDir = resolve(process.env.LOCAL_DATA_DIR ?? '.local');
const apiPort = Number(process.env.PORT ?? 3000);

console.log(`Synthesizing the CDK app and starting the local runtime in ${dataDir} ...`);
const runtime = await startLocalRuntime({ dataDir, apiPort });

console.log(`
ITSM backend running locally
  API       ${runtime.apiUrl}
  OpenAPI   ${runtime.apiUrl}/openapi.json
  DynamoDB  ${runtime.dynamoEndpoint}  (tables: ${Object.values(runtime.tableNames).join(', ')})
  SQS       ${runtime.sqsEndpoint}
  Step Fn   ${runtime.stepFunctionsEndpoint}

Tokens: npm run -s token -- <requester|agent|admin|client>, e.g.
  curl -H "Authorization: Bearer $(npm run -s token -- agent)" ${runtime.apiUrl}/incidents
Ctrl+C stops.
`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    console.log('Stopping anyway.');
    process.exit(1);
  }
  stopping = true;
  console.log(`${signal}: stopping...`);
  await runtime.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
