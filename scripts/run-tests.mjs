// Runs every compiled test file with Node's built-in runner. Files are listed explicitly because
// Node 20 and Node 22+ read `node --test <dir>` differently (paths vs globs).
//
// Nothing here may hang CI: a test that fails before closing its server used to keep its file's
// process alive forever (a CI run sat 90 minutes on one file). So every test and every file has a
// timeout, and a watchdog ends the whole run.
//
// No --test-force-exit: with one process per file it drops verdicts the file already sent (the
// parent exits before reading the child's pipe; nodejs/node#64833). A run here reported 925 tests,
// 12 short, every one of them passing when the file ran alone. A file that never exits is cut by
// its timeout instead, loudly.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One test, and one file's worth of tests, may take this long. The slowest file takes ~15 s here. */
const TEST_TIMEOUT_MS = Number(process.env.WIRESTACK_TEST_TIMEOUT_MS ?? 180_000);
/** The whole run (about 2 minutes on the 2-core machine) is cut at this bound. */
const RUN_TIMEOUT_MS = Number(process.env.WIRESTACK_RUN_TIMEOUT_MS ?? 40 * 60_000);

const root = 'dist/test';
const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js') && (!filter || filter.test(p))) files.push(p);
  }
};
walk(root);
if (files.length === 0) {
  console.error(`no test files under ${root}${filter ? ` matching ${filter}` : ''}: run the build first`);
  process.exit(1);
}

const args = ['--test', '--test-reporter=spec', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files];

// Its own process group, so the watchdog can end the runner and every test file it started.
const child = spawn(process.execPath, args, { stdio: 'inherit', detached: true });
const watchdog = setTimeout(() => {
  console.error(
    `\nrun-tests: the test run exceeded ${Math.round(RUN_TIMEOUT_MS / 1000)} s and was stopped; ` +
      'the file still running above is the one that hung.',
  );
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {}
  process.exit(1);
}, RUN_TIMEOUT_MS);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    try {
      process.kill(-child.pid, sig);
    } catch {}
  });
}
child.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  // A test file cut by its timeout leaves the servers it spawned behind, still in the group: end
  // them, so nothing outlives the run (or holds CI's output open).
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {}
  process.exit(code ?? (signal ? 1 : 0));
});
