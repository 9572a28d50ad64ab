import type { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/build-app';

/** The real CDK app (with the change approval workflow), `changeManagement` settings given as CDK context. */
export function buildAppWithApprovals(options: {
  outdir: string;
  bundle: boolean;
  changeManagement?: unknown;
}): App {
  const previous = process.env.CDK_CONTEXT_JSON;
  if (options.changeManagement !== undefined) {
    process.env.CDK_CONTEXT_JSON = JSON.stringify({ changeManagement: options.changeManagement });
  }
  let app: App;
  try {
    app = buildApp({ outdir: options.outdir, bundle: options.bundle, stage: 'local' });
  } finally {
    if (previous === undefined) delete process.env.CDK_CONTEXT_JSON;
    else process.env.CDK_CONTEXT_JSON = previous;
  }
  return app;
}
