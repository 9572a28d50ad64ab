import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../infra/build-app';
const app = buildApp({ bundle: false, outdir: '/tmp/itsm-out3' });
for (const c of app.node.findAll()) {
  const md = (c.node as unknown as { _metadata?: { type: string }[] })._metadata ?? [];
  for (let i = md.length - 1; i >= 0; i--) if (md[i]!.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) md.splice(i, 1);
}
const report = new AwsSolutionsChecks(undefined, {}).validateScope(app);
console.log(JSON.stringify(report.violations.map(v => [v.ruleName, v.severity, v.violatingResources.map(r => r.constructPath)]), null, 1));
