// `flowgate batch score` with a real scikit-learn model (saved by the real mlflow client) on its ONNX runtime:
// files are scored in chunks with the prediction appended and the --id columns kept; a file the signature does not
// fit fails before anything is scored (before the model's runtime even starts); bad rows fail the run or are listed with their row numbers; shards cover the
// input exactly once; and after a kill -9 of the real CLI, --resume writes the same bytes as an uninterrupted
// run, for CSV, Parquet and JSON lines.
import assert from "node:assert/strict";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { runBatch, type BatchOptions } from "../../src/batch/batch-score.js";
import { BatchState } from "../../src/batch/batch-state.js";
import { createLogger } from "../../src/core/logger.js";
import { defaultScorerOptions, openScorer } from "../../src/scoring/open-scorer.js";
import type { Scorer } from "../../src/scoring/scorer.js";
import { modelDir, PYTHON, REPO } from "../serving/support/serving-fixtures.js";

const MAIN = path.join(REPO, "src/cli/main.ts");
const IRIS = ["sepal_length", "sepal_width", "petal_length", "petal_width"];

/** Row i of the generated iris data: an id and four measurements that cycle through plausible values. */
function irisRow(i: number): [string, number, number, number, number] {
  return [`r${i}`, 4 + (i % 40) / 10, 2 + (i % 25) / 10, 1 + (i % 60) / 10, 0.1 + (i % 24) / 10];
}

function csvOf(rows: number): string {
  const lines = [`id,${IRIS.join(",")}`];
  for (let i = 0; i < rows; i++) lines.push(irisRow(i).join(","));
  return `${lines.join("\n")}\n`;
}

function jsonlOf(rows: number): string {
  let out = "";
  for (let i = 0; i < rows; i++) {
    const [id, ...values] = irisRow(i);
    out += `${JSON.stringify({ id, ...Object.fromEntries(IRIS.map((c, k) => [c, values[k]])) })}\n`;
  }
  return out;
}

function parquetOf(rows: number): Buffer {
  const data = Array.from({ length: rows }, (_, i) => irisRow(i));
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        { name: "id", data: data.map((r) => r[0]), type: "STRING" },
        ...IRIS.map((name, k) => ({
          name,
          data: data.map((r) => r[k + 1] as number),
          type: "DOUBLE" as const,
        })),
      ],
      rowGroupSize: 25_000, // row groups that do not line up with the chunks
    }),
  );
}

/** The CLI from its sources, as `flowgate <args>`. */
function spawnCli(args: string[], options: SpawnOptions): ChildProcess {
  return spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `const { main } = await import(${JSON.stringify(MAIN)}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`,
      ...args,
    ],
    options,
  );
}

const sha256 = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("batch score", () => {
  let work: string;
  let cacheDir: string;
  let model: string;
  let scorer: Scorer;

  const run = (input: string, output: string, extra: Partial<BatchOptions> = {}) =>
    runBatch(scorer, {
      input,
      output,
      ids: [],
      onError: "fail",
      resume: false,
      chunkRows: 1000,
      target: model,
      ...extra,
    });

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), "flowgate-batch-"));
    cacheDir = path.join(work, "cache", "models");
    model = await modelDir("classifier");
    scorer = await openScorer(
      { kind: "model", modelUri: model },
      defaultScorerOptions({
        logger: createLogger({ level: "silent" }),
        cacheDir,
        python: PYTHON,
        workers: 1,
      }),
    );
  });
  after(async () => scorer?.close());

  test("appends the prediction to every row, keeps the --id columns, and reads gzip by its extension", async () => {
    const input = path.join(work, "small.csv.gz");
    writeFileSync(input, gzipSync(csvOf(2500)));
    const output = path.join(work, "small-out.csv");
    const summary = await run(input, output, { ids: ["id"] });
    assert.equal(summary.rows, 2500);
    assert.equal(summary.scored, 2500);
    assert.equal(summary.chunks, 3);
    const lines = readFileSync(output, "utf8").trimEnd().split("\n");
    assert.equal(lines[0], "id,prediction");
    assert.equal(lines.length, 2501);
    lines.slice(1).forEach((line, i) => assert.match(line, new RegExp(`^r${i},[012]$`)));
    // The state is gone once the output is complete.
    assert.equal(existsSync(BatchState.dirFor(output)), false);
  });

  test("a file without a column the signature requires fails before anything is scored", async () => {
    const input = path.join(work, "no-petal.csv");
    writeFileSync(input, "id,sepal_length,sepal_width,petal_length\nr0,5.1,3.5,1.4\n");
    const output = path.join(work, "no-petal-out.csv");
    await assert.rejects(run(input, output), /lacks the column 'petal_width'/);
    assert.equal(existsSync(BatchState.dirFor(output)), false);
    await assert.rejects(
      run(path.join(work, "small.csv.gz"), output, { ids: ["key"] }),
      /--id 'key': not a column/,
    );
  });

  test("the CLI checks the inputs before the model's runtime starts: a bad file fails without a Python worker", async () => {
    const input = path.join(work, "no-petal-cli.csv");
    writeFileSync(input, "id,sepal_length,sepal_width,petal_length\nr0,5.1,3.5,1.4\n");
    const args = ["batch", "score", "-m", model, "-i", input, "-o", path.join(work, "no-petal-cli-out.csv")];
    const cli = spawnCli(
      [...args, "--runtime", "python", "--python", PYTHON, "--cache-dir", path.dirname(cacheDir)],
      { env: { ...process.env, FLOWGATE_LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = ""; // the log (stdout) and the error (stderr)
    cli.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    cli.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => cli.once("close", resolve));
    assert.notEqual(code, 0);
    assert.match(output, /lacks the column 'petal_width'/);
    assert.match(output, /serving: MLmodel read/);
    assert.doesNotMatch(output, /python worker starting/);
  });

  test("bad rows fail the run with their row number, or are skipped into the errors file", async () => {
    const lines = csvOf(10).trimEnd().split("\n");
    lines[3] = "r2,abc,3.5,1.4,0.2"; // a text where a double goes: the model refuses it
    lines[7] = "r6,5.1,3.5"; // too few fields
    const input = path.join(work, "bad.csv");
    writeFileSync(input, `${lines.join("\n")}\n`);
    await assert.rejects(
      run(input, path.join(work, "bad-fail.csv"), { chunkRows: 4 }),
      /bad\.csv row 3: .*sepal_length/,
    );
    const output = path.join(work, "bad-skip.csv");
    const summary = await run(input, output, { onError: "skip", ids: ["id"], chunkRows: 4 });
    assert.equal(summary.scored, 8);
    assert.equal(summary.errors, 2);
    const ids = readFileSync(output, "utf8")
      .trimEnd()
      .split("\n")
      .slice(1)
      .map((l) => l.split(",")[0]);
    assert.deepEqual(ids, ["r0", "r1", "r3", "r4", "r5", "r7", "r8", "r9"]);
    const errors = readFileSync(summary.errorsFile as string, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { file: string; row: number; reason: string });
    assert.deepEqual(
      errors.map((e) => [e.file, e.row]),
      [
        [input, 3],
        [input, 7],
      ],
    );
    assert.match(errors[0]?.reason ?? "", /sepal_length/);
    assert.match(errors[1]?.reason ?? "", /3 fields; the header has 5/);
  });

  test("a plain CSV read straight into numbers scores and writes exactly what the same rows read as text do", async () => {
    // The same rows twice: plain (read straight into numbers), and with every id quoted (each chunk then goes
    // the text path); numbers enforcement takes in other spellings, a refused cell and a short record included.
    const rows = Array.from({ length: 3000 }, (_, i) => irisRow(i).join(","));
    rows[10] = "r10, 5.1,3.5e0,1.40,0.2";
    rows[11] = "r11,-0,0.30000000000000004,1234567890.12345,+1";
    rows[1200] = "r1200,abc,3.5,1.4,0.2";
    rows[2500] = "r2500,5.1,3.5";
    const plain = path.join(work, "spellings.csv");
    const quoted = path.join(work, "spellings-quoted.csv");
    writeFileSync(plain, `id,${IRIS.join(",")}\r\n${rows.join("\r\n")}\r\n`);
    writeFileSync(
      quoted,
      `id,${IRIS.join(",")}\r\n${rows.map((r) => r.replace(/^([^,]*)/, '"$1"')).join("\r\n")}\r\n`,
    );
    const outputs = [];
    for (const [input, output] of [
      [plain, path.join(work, "spellings-out.csv")],
      [quoted, path.join(work, "spellings-quoted-out.csv")],
    ] as const) {
      const summary = await run(input, output, { onError: "skip", chunkRows: 700 });
      assert.equal(summary.scored, 2998);
      const errors = readFileSync(summary.errorsFile as string, "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => {
          const { row, reason } = JSON.parse(l) as { row: number; reason: string };
          return [row, reason];
        });
      outputs.push({ bytes: readFileSync(output, "utf8"), errors });
    }
    assert.equal(outputs[0]?.bytes, outputs[1]?.bytes);
    assert.deepEqual(outputs[0]?.errors, outputs[1]?.errors);
    assert.deepEqual(
      outputs[0]?.errors.map(([row]) => row),
      [1201, 2501],
    );
    assert.match(
      outputs[0]?.bytes.split("\n")[12] ?? "",
      /^r11,-0,0\.30000000000000004,1234567890\.12345,\+1,[012]$/,
    );
  });

  test("shards cover one file's chunks, or a directory's files, exactly once", async () => {
    const single = path.join(work, "shard.csv");
    writeFileSync(single, csvOf(3500));
    const dir = path.join(work, "parts");
    mkdirSync(dir);
    for (let f = 0; f < 3; f++) writeFileSync(path.join(dir, `part-${f}.jsonl`), jsonlOf(700 + f));
    const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => irisRow(i)[0]);
    for (const [input, expected] of [
      [single, ids(3500)],
      [path.join(dir, "part-*.jsonl"), [...ids(700), ...ids(701), ...ids(702)]],
    ] as const) {
      const seen: string[] = [];
      for (let i = 0; i < 2; i++) {
        const output = path.join(work, `shard-${i}-of-2-${path.basename(input).replace("*", "x")}.jsonl`);
        await run(input, output, { ids: ["id"], shard: { index: i, count: 2 } });
        for (const line of readFileSync(output, "utf8").trimEnd().split("\n")) {
          seen.push(`${(JSON.parse(line) as { id: string }).id}`);
        }
      }
      assert.deepEqual(seen.sort(), [...expected].sort());
    }
  });

  for (const format of ["csv", "parquet", "jsonl"] as const) {
    test(`after a kill -9 of the CLI mid-run, --resume writes the same bytes as an uninterrupted run (${format})`, async () => {
      const input = path.join(work, `big.${format}`);
      const rows = 60_000;
      writeFileSync(
        input,
        format === "csv" ? csvOf(rows) : format === "jsonl" ? jsonlOf(rows) : parquetOf(rows),
      );
      const options = { ids: ["id"], chunkRows: 1500 };
      const reference = path.join(work, `reference.${format}`);
      await run(input, reference, options);

      const output = path.join(work, `resumed.${format}`);
      const manifest = path.join(BatchState.dirFor(output), "manifest.json");
      const cli = spawnCli(
        [
          "batch",
          "score",
          "-m",
          model,
          "-i",
          input,
          "-o",
          output,
          "--id",
          "id",
          "--chunk-rows",
          "1500",
          "--cache-dir",
          path.dirname(cacheDir),
        ],
        { env: { ...process.env, FLOWGATE_PYTHON: PYTHON }, stdio: "ignore" },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) => cli.once("exit", (_c, s) => resolve(s)));
      let finished = 0;
      while (cli.exitCode === null) {
        finished = existsSync(manifest)
          ? Object.keys(JSON.parse(readFileSync(manifest, "utf8")).done ?? {}).length
          : 0;
        if (finished >= 1) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      cli.kill("SIGKILL");
      assert.equal(await exited, "SIGKILL", "the CLI was killed before it finished");
      assert.ok(finished >= 1 && finished < 40, `killed with ${finished} of 40 chunks done`);

      const summary = await run(input, output, { ...options, resume: true });
      assert.ok(summary.resumedChunks >= 1, `resumed ${summary.resumedChunks} chunks`);
      assert.equal(summary.rows, rows);
      assert.equal(sha256(output), sha256(reference));
    });
  }
});
