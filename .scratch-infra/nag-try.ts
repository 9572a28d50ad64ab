import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../infra/build-app';
const app = buildApp({ bundle: false, outdir: '/tmp/itsm-out2' });
const report = new AwsSolutionsChecks(undefined, {}).validateScope(app);
console.log(JSON.stringify(report.violations.map(v => [v.ruleName, v.severity, v.violatingResources.map(r => r.constructPath)]), null, 1));
const asm = app.synth();
