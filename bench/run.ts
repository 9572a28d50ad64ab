/**
 * `npm run bench`: per function, the minified bundle size and the import time of the bundle
 * in a fresh Node process; through the local runtime, p50/p99 latency and the DynamoDB
 * request units of create, get, list and transition, next to the units docs/data-model.md
 * predicts; and the end-to-end latency from IncidentCreated to the problem link (outbox,
 * stream, pipe, bus, rule, queue, detection). Targets: bundle <= 400 KB, import <= 100 ms,
 * units as predicted. The import time is printed in all and split into the AWS SDK's share
 * (the runtime provides it: the same for any bundle) and the bundle's own, which the target
 * is held against.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOCAL_AWS } from '../local/dynamodb';
import { loadSigningKey, mintToken } from '../local/keys';
import { startLocalRuntime } from '../local/runtime';
import { type LocalWiring, readWiring, synthesize } from '../local/template';
import { CONSUMED_CAPACITY_HEADER } from '../shared/http/handler';
import { percentile } from './stats';

const BUNDLE_LIMIT_BYTES = 400 * 1024;
const IMPORT_LIMIT_MS = 100;
const IMPORT_RUNS = 9;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
/** Each detection sample builds a fresh database with three applications and three incidents. */
const DETECTION_SAMPLES = Number(process.env.BENCH_DETECTION_SAMPLES ?? 20);
const POLL_MS = 10;

function median(values: number[]): number {
  return percentile(values, 50);
}

const verdict = (ok: boolean) => (ok ? 'ok' : 'OVER TARGET');

/** The AWS SDK packages a bundle imports, as one module that imports just them. */
function sdkImportsOf(bundle: string): string {
  const packages = [...new Set(readFileSync(bundle, 'utf8').match(/@aws-sdk\/[a-z0-9-]+/g))];
  const source = packages.map((name) => `import '${name}';`).join('');
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/**
 * Imports the bundle in a fresh process, as a cold start does, in two steps: first the AWS SDK
 * packages it imports (the Lambda runtime provides them, see the hook: the same for every
 * bundle), then the bundle itself, whose time is its own share.
 */
function importOnce(bundle: string, environment: Record<string, string>) {
  const script = [
    'const start = performance.now();',
    `await import(${JSON.stringify(sdkImportsOf(bundle))});`,
    'const sdkLoaded = performance.now();',
    `await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
    'console.log(JSON.stringify({ sdk: sdkLoaded - start, own: performance.now() - sdkLoaded }));',
  ].join('\n');
  const runtimeModules = join(import.meta.dirname, '..', 'local', 'lambda-runtime-modules.mjs');
  const result = spawnSync(
    process.execPath,
    ['--import', pathToFileURL(runtimeModules).href, '--input-type=module', '-e', script],
    {
      env: {
        PATH: process.env.PATH,
        ...environment,
        AWS_REGION: LOCAL_AWS.region,
        AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
      },
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`importing ${bundle} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { sdk: number; own: number };
}

/** Median import times of a bundle over IMPORT_RUNS fresh processes: in all, SDK, own. */
function importTimes(bundle: string, environment: Record<string, string>) {
  const runs = Array.from({ length: IMPORT_RUNS }, () => importOnce(bundle, environment));
  return {
    all: median(runs.map((run) => run.sdk + run.own)),
    sdk: median(runs.map((run) => run.sdk)),
    own: median(runs.map((run) => run.own)),
  };
}

interface Prediction {
  operation: string;
  readUnits: number;
  writeUnits: number;
}

/** The predictions table of docs/data-model.md, between its bench markers. */
function predictions(): Prediction[] {
  const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'data-model.md'), 'utf8');
  const section =
    /<!-- bench:predictions -->([\s\S]*?)<!-- \/bench:predictions -->/.exec(doc)?.[1] ?? '';
  return section
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => cells.length >= 5 && /^[a-z]+$/.test(cells[1] ?? ''))
    .map((cells) => ({
      operation: cells[1] ?? '',
      readUnits: Number(cells[2]),
      writeUnits: Number(cells[3]),
    }));
}

/** `read=1; write=46; transactional-write=46` -> units as AWS bills them (transactions twice). */
function billedUnits(header: string | null) {
  const value = (name: string) =>
    Number(new RegExp(`${name}=([\\d.]+)`).exec(header ?? '')?.[1] ?? Number.NaN);
  return { readUnits: value('read'), writeUnits: value('write') + value('transactional-write') };
}

type Call = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ ms: number; json: { id: string } }>;

/**
 * Latency from IncidentCreated to the problem link, measured first, on a quiet runtime: the
 * incident samples below give detection a backlog of events of their own.
 */
async function measureDetection(call: Call): Promise<void> {
  console.log(
    `\nIncidentCreated -> problem link through the local runtime (${DETECTION_SAMPLES} samples: the third incident on applications behind one database; from its 201 until GET /problems shows the link, polled every ${POLL_MS} ms)`,
  );
  const detectionLatencies: number[] = [];
  const aCi = async (ciClass: string) =>
    (
      await call('POST', '/cis', {
        ciClass,
        name: `${ciClass}-${crypto.randomUUID().slice(0, 8)}`,
        criticality: 2,
        environment: 'production',
        lifecycleState: 'operational',
      })
    ).json.id;
  for (let sample = 0; sample < DETECTION_SAMPLES; sample++) {
    const database = await aCi('database');
    const applications = [
      await aCi('application'),
      await aCi('application'),
      await aCi('application'),
    ];
    for (const application of applications) {
      await call('POST', `/cis/${application}/relationships`, {
        type: 'depends_on',
        target: database,
      });
    }
    let created = 0;
    for (const configurationItem of applications) {
      await call('POST', '/incidents', {
        shortDescription: 'Orders time out',
        configurationItem,
      });
      created = performance.now();
    }
    for (;;) {
      const listed = (await call('GET', `/problems?configurationItem=${database}`))
        .json as unknown as {
        items: Array<{ linkedIncidentCount: number }>;
      };
      if (listed.items[0]?.linkedIncidentCount === 3) break;
      if (performance.now() - created > 30_000) throw new Error('no problem detected in 30 s');
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    detectionLatencies.push(performance.now() - created);
  }
  console.log(
    'p50 ms'.padStart(8),
    percentile(detectionLatencies, 50).toFixed(1).padStart(8),
    '  p99 ms',
    percentile(detectionLatencies, 99).toFixed(1).padStart(8),
  );
}

/** Bundle sizes and import times, measured before the local runtime starts, on a quiet machine. */
function measureFunctions(wiring: LocalWiring): void {
  console.log(
    '\nFunctions (bundle as deployed, from the synthesized assembly; import: median of',
    `${IMPORT_RUNS} fresh processes, in all / the AWS SDK the runtime provides, loaded first / then the bundle itself)`,
  );
  console.log(
    'function'.padEnd(28),
    'bundle KB'.padStart(10),
    'import ms'.padStart(10),
    'SDK ms'.padStart(8),
    'own ms'.padStart(8),
    ' verdict (bundle, own import)',
  );
  for (const fn of wiring.functions) {
    const bundle = join(fn.assetDir, `${fn.handler.split('.')[0]}.mjs`);
    const size = statSync(bundle).size;
    const times = importTimes(bundle, fn.environment);
    console.log(
      fn.logicalId.replace(/[0-9A-F]{8}$/, '').padEnd(28),
      (size / 1024).toFixed(1).padStart(10),
      times.all.toFixed(1).padStart(10),
      times.sdk.toFixed(1).padStart(8),
      times.own.toFixed(1).padStart(8),
      ` ${verdict(size <= BUNDLE_LIMIT_BYTES && times.own <= IMPORT_LIMIT_MS)}`,
    );
  }
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'itsm-bench-'));
  const assemblyDir = await synthesize(join(dataDir, 'cdk.out'));
  measureFunctions(readWiring(assemblyDir));
  const runtime = await startLocalRuntime({
    dataDir,
    assemblyDir,
    apiPort: 0,
    inMemory: true,
    log: () => {},
  });
  try {
    const token = await mintToken(await loadSigningKey(dataDir), { role: 'agent' });
    const call = async (method: string, path: string, body?: unknown) => {
      const started = performance.now();
      const response = await fetch(`${runtime.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = (await response.json()) as { id: string };
      if (!response.ok)
        throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return {
        ms: performance.now() - started,
        units: billedUnits(response.headers.get(CONSUMED_CAPACITY_HEADER)),
        json,
      };
    };

    const samples: Record<string, Array<Awaited<ReturnType<typeof call>>>> = {
      create: [],
      get: [],
      list: [],
      transition: [],
    };
    const ids: string[] = [];
    // Warm up every function first: cold starts are measured above, not here.
    await call('GET', '/incidents?limit=1');
    await measureDetection(call);
    // Incidents point at a configuration item that must exist in the CMDB.
    const mailServer = await call('POST', '/cis', {
      ciClass: 'application',
      name: 'mail',
      criticality: 2,
      environment: 'production',
      lifecycleState: 'operational',
    });
    const incident = {
      shortDescription: 'Mail is down for the whole finance floor',
      description: 'x'.repeat(300),
      impact: 2,
      urgency: 1,
      assignmentGroup: 'service-desk',
      assignee: 'agent-7',
      configurationItem: mailServer.json.id,
    };
    for (let index = 0; index < SAMPLES; index++) {
      const created = await call('POST', '/incidents', incident);
      samples.create?.push(created);
      ids.push(created.json.id);
    }
    for (const id of ids) samples.get?.push(await call('GET', `/incidents/${id}`));
    for (let index = 0; index < SAMPLES; index++)
      samples.list?.push(await call('GET', '/incidents?assignmentGroup=service-desk&limit=25'));
    for (const id of ids)
      samples.transition?.push(
        await call('POST', `/incidents/${id}/transitions`, { action: 'start' }),
      );

    console.log(
      `\nThrough the local runtime (${SAMPLES} requests each, sequential; units as billed on AWS: transactions x2)`,
    );
    console.log(
      'operation'.padEnd(12),
      'p50 ms'.padStart(8),
      'p99 ms'.padStart(8),
      'RCU'.padStart(7),
      'WCU'.padStart(7),
      'predicted'.padStart(14),
      ' verdict',
    );
    const predicted = new Map(predictions().map((p) => [p.operation, p]));
    for (const [operation, results] of Object.entries(samples)) {
      const latencies = results.map((result) => result.ms);
      const reads = median(results.map((result) => result.units.readUnits));
      const writes = median(results.map((result) => result.units.writeUnits));
      const expected = predicted.get(operation);
      const matches =
        expected !== undefined && expected.readUnits === reads && expected.writeUnits === writes;
      console.log(
        operation.padEnd(12),
        percentile(latencies, 50).toFixed(1).padStart(8),
        percentile(latencies, 99).toFixed(1).padStart(8),
        String(reads).padStart(7),
        String(writes).padStart(7),
        (expected ? `${expected.readUnits} / ${expected.writeUnits}` : 'none').padStart(14),
        ` ${matches ? 'as predicted' : 'DIFFERS FROM docs/data-model.md'}`,
      );
    }
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
