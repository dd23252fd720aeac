import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { FlowgateError } from "../../../src/core/errors.js";
import {
  profileFromFile,
  profileFromRows,
  validateProfile,
  type ProfileProgress,
} from "../../../src/monitoring/profile/profile-files.js";

const SOURCE = { kind: "file", name: "train" } as const;
const N = 25_000;
let dir = "";

/** The same table as Parquet (several row groups) and as CSV. */
function table() {
  const age: (number | null)[] = [];
  const income: number[] = [];
  const city: (string | null)[] = [];
  const member: boolean[] = [];
  const prediction: number[] = [];
  for (let i = 0; i < N; i++) {
    age.push(i % 97 === 0 ? null : 18 + ((i * 7919) % 60));
    income.push(Math.round(((i * 104729) % 100_000) * 1.37) / 100);
    city.push(i % 50 === 0 ? null : ["Oslo", "Paris", "Lima", "Pune"][(i * 31) % 4]!);
    member.push(i % 3 === 0);
    prediction.push((i * 13) % 2);
  }
  return { age, income, city, member, prediction };
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "profile-files-"));
  const t = table();
  const parquet = parquetWriteBuffer({
    columnData: [
      { name: "age", data: t.age, type: "DOUBLE" },
      { name: "income", data: Float64Array.from(t.income), type: "DOUBLE", nullable: false },
      { name: "city", data: t.city, type: "STRING" },
      { name: "member", data: t.member, type: "BOOLEAN" },
      { name: "prediction", data: Int32Array.from(t.prediction), type: "INT32" },
    ],
    rowGroupSize: 4000,
  });
  writeFileSync(path.join(dir, "train.parquet"), new Uint8Array(parquet));
  const lines = ["age,income,city,member,prediction"];
  for (let i = 0; i < N; i++) {
    lines.push(
      [t.age[i] ?? "", t.income[i], t.city[i] ?? "NA", t.member[i] ? "True" : "False", t.prediction[i]].join(
        ",",
      ),
    );
  }
  writeFileSync(path.join(dir, "train.csv"), lines.join("\n") + "\n");
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("profiles from files", () => {
  it("are equal for equal data in Parquet and CSV (CSV numbers, booleans and pandas' NA tokens parsed)", async () => {
    const fromParquet = await profileFromFile(path.join(dir, "train.parquet"), { source: SOURCE });
    const fromCsv = await profileFromFile(path.join(dir, "train.csv"), { source: SOURCE });
    assert.deepEqual({ ...fromCsv, createdAt: 0 }, { ...fromParquet, createdAt: 0 });
    assert.equal(fromParquet.rows, N);
    assert.deepEqual(Object.keys(fromParquet.columns), ["age", "income", "city", "member"]);
    assert.equal(fromParquet.columns.age?.kind, "numeric");
    assert.equal(fromParquet.columns.age?.missing, Math.ceil(N / 97));
    assert.equal(fromParquet.columns.city?.kind, "categorical");
    assert.equal(fromParquet.columns.city?.missing, N / 50);
    assert.deepEqual(
      fromParquet.columns.member?.kind === "categorical" && fromParquet.columns.member.frequencies,
      { false: N - Math.ceil(N / 3), true: Math.ceil(N / 3) },
    );
    assert.deepEqual(
      Object.keys(fromParquet.predictions),
      ["prediction"],
      "a 'prediction' column is an output",
    );
  });

  it("report progress as they read (Parquet per row group; CSV in a scan and a profile pass)", async () => {
    const parquet: ProfileProgress[] = [];
    await profileFromFile(path.join(dir, "train.parquet"), { onProgress: (p) => parquet.push(p) });
    assert.deepEqual(
      parquet.map((p) => p.rows),
      [4000, 8000, 12_000, 16_000, 20_000, 24_000, 25_000],
    );
    const csv: ProfileProgress[] = [];
    await profileFromFile(path.join(dir, "train.csv"), { onProgress: (p) => csv.push(p) });
    assert.deepEqual([...new Set(csv.map((p) => p.phase))], ["scan", "profile"]);
    assert.deepEqual(csv.at(-1), {
      phase: "profile",
      rows: N,
      bytesRead: csv.at(-1)!.totalBytes,
      totalBytes: csv.at(-1)!.totalBytes,
    });
  });

  it("take a chosen subset of columns and say which requested ones the file lacks", async () => {
    const p = await profileFromFile(path.join(dir, "train.parquet"), {
      columns: ["city", "age"],
      predictions: [],
    });
    assert.deepEqual(Object.keys(p.columns), ["age", "city"], "in the file's order");
    assert.deepEqual(p.predictions, {});
    await assert.rejects(
      profileFromFile(path.join(dir, "train.csv"), { columns: ["age", "height"] }),
      (e: unknown) => e instanceof FlowgateError && /height/.test(e.message),
    );
  });

  it("name the columns of a CSV file with a header and no rows", async () => {
    writeFileSync(path.join(dir, "empty.csv"), "age,city\n");
    const p = await profileFromFile(path.join(dir, "empty.csv"));
    assert.equal(p.rows, 0);
    assert.deepEqual(Object.keys(p.columns), ["age", "city"]);
  });

  it("refuse a file that is not Parquet or CSV by its extension", async () => {
    await assert.rejects(
      profileFromFile(path.join(dir, "train.xlsx")),
      (e: unknown) =>
        e instanceof FlowgateError &&
        e.code === "INVALID_PARAMETER_VALUE" &&
        /\.parquet or \.csv/.test(e.message),
    );
  });
});

describe("profiles from an input example", () => {
  const expected = (p: ReturnType<typeof profileFromRows>) => {
    assert.equal(p.rows, 2);
    assert.equal(p.columns.x?.kind, "numeric");
    assert.equal(p.columns.x?.kind === "numeric" && p.columns.x.mean, 2);
    assert.equal(p.columns.c?.kind, "categorical");
    assert.deepEqual(p.source, { kind: "input_example" });
  };

  it("read MLflow's pandas split form ({columns, data}) and its serving wrapper", () => {
    expected(
      profileFromRows({
        columns: ["x", "c"],
        data: [
          [1, "a"],
          [3, "b"],
        ],
      }),
    );
    expected(
      profileFromRows({
        dataframe_split: {
          columns: ["x", "c"],
          data: [
            [1, "a"],
            [3, "b"],
          ],
        },
      }),
    );
  });

  it("read records, a dict of columns and the inputs wrapper", () => {
    expected(
      profileFromRows([
        { x: 1, c: "a" },
        { x: 3, c: "b" },
      ]),
    );
    expected(profileFromRows({ x: [1, 3], c: ["a", "b"] }));
    expected(
      profileFromRows({
        inputs: [
          { x: 1, c: "a" },
          { x: 3, c: "b" },
        ],
      }),
    );
  });

  it("refuse what is no table", () => {
    assert.throws(() => profileFromRows("hello"), FlowgateError);
  });
});

describe("validating an uploaded profile", () => {
  const good = () => profileFromRows({ x: [1, 2, 3, 4], c: ["a", "b", "a", "a"] }, SOURCE);

  it("accepts what the builder produces and drops unknown fields", () => {
    const p = good();
    assert.deepEqual(validateProfile({ ...p, extra: 1 }), p);
  });

  type Raw = { format: unknown; source: unknown; columns: Record<string, Record<string, unknown>> };
  const x = (p: Raw) => p.columns.x!;
  const refusals: [string, (p: Raw) => void, RegExp][] = [
    ["an unknown format", (p) => void (p.format = 2), /format must be 1/],
    ["an unknown kind", (p) => void (x(p).kind = "text"), /columns\["x"\]\.kind/],
    ["a non-finite number", (p) => void (x(p).mean = "NaN"), /columns\["x"\]\.mean must be a finite number/],
    ["descending edges", (p) => void (x(p).binEdges as number[]).reverse(), /columns\["x"\]\.binEdges\[1\]/],
    [
      "unmatched counts",
      (p) => void (x(p).binCounts as number[]).push(1),
      /binCounts must have one count per bin/,
    ],
    [
      "an oversized sample",
      (p) => void (x(p).sample = new Array(10_001).fill(1)),
      /sample has 10001 entries/,
    ],
    [
      "a negative count",
      (p) => void ((p.columns.c!.frequencies as Record<string, number>).a = -1),
      /columns\["c"\]\.frequencies\["a"\]/,
    ],
    ["an unknown source", (p) => void (p.source = { kind: "web" }), /source\.kind/],
  ];
  for (const [what, spoil, message] of refusals) {
    it(`refuses ${what}, naming the field`, () => {
      const p = JSON.parse(JSON.stringify(good())) as Raw;
      spoil(p);
      assert.throws(
        () => validateProfile(p),
        (e: unknown) =>
          e instanceof FlowgateError && e.code === "INVALID_PARAMETER_VALUE" && message.test(e.message),
      );
    });
  }
});
