// The Lambda Node.js runtime provides the AWS SDK v3 to every function, so the bundles leave
// `@aws-sdk/*` out (CDK's default). Locally this hook plays the runtime's part: it resolves
// those imports (and requires, from bundled CommonJS code) from the project's node_modules,
// wherever the bundle lives on disk. Loaded by the Lambda worker before a bundle, and with
// `node --import` by the benchmark.
import { createRequire, registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const fromProject = createRequire(new URL('../package.json', import.meta.url));

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (!specifier.startsWith('@aws-sdk/')) return nextResolve(specifier, context);
    return { url: pathToFileURL(fromProject.resolve(specifier)).href, shortCircuit: true };
  },
});
