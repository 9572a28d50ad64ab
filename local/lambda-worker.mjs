// One Lambda execution environment: runs inside a worker thread started by lambda-host.ts.
// Plain JavaScript so that the worker needs no TypeScript loader. The init phase (importing
// the bundle) happens once when the worker starts, like a cold start; invocations follow one
// at a time, so module scope is shared between them like in a warm Lambda.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import './lambda-runtime-modules.mjs';

const { assetDir, handler: handlerSetting } = workerData;

// NODE_OPTIONS from the function's environment does not reach a worker thread; this one
// matters for readable stack traces from minified bundles.
if (process.env.NODE_OPTIONS?.includes('--enable-source-maps')) process.setSourceMapsEnabled(true);

/** Lambda's Node.js runtime: `<module>.<export path>`, module file .js, .mjs or .cjs. */
async function loadHandler() {
  const [, moduleName, exportPath] = /^([^.]*)\.(.*)$/.exec(handlerSetting) ?? [];
  if (!moduleName || !exportPath) {
    throw namedError('Runtime.MalformedHandlerName', `Bad handler ${handlerSetting}`);
  }
  const file = ['.js', '.mjs', '.cjs']
    .map((extension) => join(assetDir, `${moduleName}${extension}`))
    .find((candidate) => existsSync(candidate));
  if (!file) {
    throw namedError(
      'Runtime.ImportModuleError',
      `Cannot find module '${moduleName}' in ${assetDir}`,
    );
  }
  const loaded = await import(pathToFileURL(file).href);
  const handler = exportPath.split('.').reduce((value, key) => value?.[key], loaded);
  if (typeof handler !== 'function') {
    throw namedError('Runtime.HandlerNotFound', `${handlerSetting} is undefined or not exported`);
  }
  return handler;
}

function namedError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

function describeError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name === 'Error' ? (error.constructor?.name ?? 'Error') : error.name,
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  return { errorType: 'Error', errorMessage: String(error), trace: [] };
}

function contextFor(invocation) {
  const { deadline, ...fields } = invocation.context;
  return {
    ...fields,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** Callback-style handlers (three parameters, not async) report through the callback. */
function run(handler, event, context) {
  if (handler.length < 3 || handler.constructor.name === 'AsyncFunction') {
    return Promise.resolve(handler(event, context));
  }
  return new Promise((resolve, reject) => {
    const settled = handler(event, context, (error, result) =>
      error ? reject(error) : resolve(result),
    );
    if (settled && typeof settled.then === 'function') settled.then(resolve, reject);
  });
}

let handler;
try {
  handler = await loadHandler();
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'initError', error: describeError(error) });
}

parentPort.on('message', async (invocation) => {
  process.env._X_AMZN_TRACE_ID = invocation.traceId;
  try {
    const result = await run(handler, invocation.event, contextFor(invocation));
    // Lambda returns JSON: undefined becomes null, class instances become plain data.
    parentPort.postMessage({ type: 'result', payload: JSON.stringify(result ?? null) });
  } catch (error) {
    parentPort.postMessage({ type: 'error', error: describeError(error) });
  }
});
