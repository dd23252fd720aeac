// Batch's fast path for plain CSV: the signature's numeric columns are parsed straight from the text into the
// numbers signature enforcement would make of each cell, and a chunk it cannot read exactly so (a quoted
// record, a cell enforcement refuses) is read as text instead — either way the model gets the same values and
// the same rows are bad, for the same reason.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { plainNumber } from "../../src/batch/csv-columns.js";
import { readChunks, type Chunk, type CsvNeeds } from "../../src/batch/chunk-reader.js";
import type { InputFile, InputOpener } from "../../src/batch/batch-input.js";
import type { ColumnSpec } from "../../src/models/signature.js";
import type { Cell, Column } from "../../src/serving/frame.js";
import { enforceColumns, numberFromText, type NumericType } from "../../src/serving/schema-enforcement.js";

/** Texts at the edges of what enforcement takes as a number. */
const TRICKY = [
  "0",
  "-0",
  "-0.0",
  "007",
  "1.5",
  "-2.25",
  ".5",
  "5.",
  "-.5",
  "+1",
  "1e3",
  "1E-2",
  " 1",
  "1 ",
  "",
  " ",
  ".",
  "-",
  "nan",
  "NaN",
  "inf",
  "-Infinity",
  "0x10",
  "1_0",
  "1,5",
  "abc",
  "0.30000000000000004",
  "123456789012345",
  "1234567890123456",
  "9007199254740993",
  "2147483648",
  "-2147483648",
  "3.0",
];

const spec = (name: string, type: NumericType): ColumnSpec => ({
  kind: "column",
  name,
  type,
  required: true,
});

/** What enforcement makes of one CSV cell: its value, or undefined when it refuses the cell. */
function enforced(type: NumericType, text: string): Cell | undefined {
  try {
    const frame = enforceColumns({ columns: ["x"], data: [[text]], rows: 1, fromText: true }, [
      spec("x", type),
    ]);
    return (frame.data[0] as Cell[])[0];
  } catch {
    return undefined;
  }
}

function csvFile(text: string): { opener: InputOpener; file: InputFile } {
  const file: InputFile = { location: "t.csv", format: "csv", gzip: false, size: text.length, version: "1" };
  const opener: InputOpener = {
    list: () => Promise.resolve([file]),
    // Small blocks, so records and chunks straddle them.
    stream: () => {
      const bytes = Buffer.from(text);
      const blocks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += 7) blocks.push(bytes.subarray(i, i + 7));
      return Readable.from(blocks);
    },
    buffer: () => Promise.reject(new Error("not Parquet")),
  };
  return { opener, file };
}

async function chunksOf(text: string, chunkRows: number, needs?: CsvNeeds): Promise<Chunk[]> {
  const { opener, file } = csvFile(text);
  const out: Chunk[] = [];
  for await (const chunk of readChunks(opener, file, 0, chunkRows, () => undefined, needs)) out.push(chunk);
  return out;
}

const NEEDS: CsvNeeds = {
  numbers: new Map<string, NumericType>([
    ["a", "double"],
    ["b", "long"],
  ]),
  texts: ["id"],
};

/** The values the model gets for columns a and b of a chunk, after enforcement (float64 numbers as a list). */
function modelValues(chunk: Chunk): Cell[][] {
  const at = (name: string): number => chunk.columns.indexOf(name);
  const column = (name: string): Column => chunk.numbers?.[at(name)] ?? (chunk.data[at(name)] as Cell[]);
  const frame = enforceColumns(
    {
      columns: ["a", "b"],
      data: [column("a"), column("b")],
      rows: chunk.rowNumbers.length,
      fromText: chunk.numbers === undefined,
    },
    [spec("a", "double"), spec("b", "long")],
  );
  return frame.data.map((values) => Array.from(values));
}

describe("plain CSV numbers", () => {
  test("a plain decimal parses to the double Number() gives; anything else is left to enforcement (NaN)", () => {
    for (const text of TRICKY) {
      const fast = plainNumber(text, 0, text.length);
      if (!Number.isNaN(fast)) assert.ok(Object.is(fast, Number(text)), text);
    }
    for (const text of ["0", "-0", "1.5", "007", ".5", "5.", "123456789012345"]) {
      assert.ok(!Number.isNaN(plainNumber(text, 0, text.length)), `${text} is plain`);
    }
    for (const text of ["1e3", " 1", "", "nan", "inf", "+1", "1234567890123456", "1.2.3", "-"]) {
      assert.ok(Number.isNaN(plainNumber(text, 0, text.length)), `${text} is not plain`);
    }
    // Random decimals of up to 15 digits, the point anywhere: the same double as Number(), bit for bit.
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 50_000; i++) {
      const digits = String(Math.floor(random() * 10 ** (1 + Math.floor(random() * 15))));
      const point = Math.floor(random() * digits.length);
      const text = `${random() < 0.5 ? "-" : ""}${point === 0 ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`}`;
      assert.ok(Object.is(plainNumber(`x,${text},y`, 2, 2 + text.length), Number(text)), text);
    }
  });

  test("a cell's number is the one enforcement makes of its text, and refused where enforcement refuses it", () => {
    for (const type of ["double", "float", "long", "integer"] as const) {
      for (const text of TRICKY) {
        const expected = enforced(type, text);
        const got = numberFromText(type, text);
        assert.ok(Object.is(got, expected), `${type} '${text}': ${got} vs ${JSON.stringify(expected)}`);
      }
    }
  });

  test("plain chunks are read as numbers and the kept text; the model gets what the text path gives it", async () => {
    const text = "id,a,b,unused\nr1,1.5,2,x\r\nr2, 3,1e3,y\n\nr3,nan,-0,z\nr4,0.30000000000000004,7,w\n";
    const [fast] = await chunksOf(text, 10, NEEDS);
    const [plain] = await chunksOf(text, 10);
    assert.ok(fast?.numbers !== undefined, "read as numbers");
    assert.deepEqual(fast.data[0], ["r1", "r2", "r3", "r4"]);
    assert.equal(fast.data[3], undefined, "a column neither sent nor kept is not read");
    assert.deepEqual(modelValues(fast), modelValues(plain as Chunk));
    assert.deepEqual(fast.rowNumbers, [1, 2, 3, 4]);
  });

  test("a chunk with a quoted record or a refused cell is read as text; the chunks around it are not", async () => {
    const rows = ["r1,1,1,x", 'r2,"2",2,x', "r3,3,3,x", "r4,4,4.5,x", "r5,5,5,x", "r6,,6,x", "r7,7,7,x"];
    const chunks = await chunksOf(`id,a,b,unused\n${rows.join("\n")}\n`, 2, NEEDS);
    // Chunks: [r1 r2] quoted, [r3 r4] 4.5 is no long, [r5 r6] an empty number, [r7] plain.
    assert.deepEqual(
      chunks.map((c) => c.numbers !== undefined),
      [false, false, false, true],
    );
    assert.deepEqual(chunks[0]?.data[1], ["1", "2"]);
    assert.deepEqual(modelValues(chunks[0]), [
      [1, 2],
      [1, 2],
    ]);
    assert.deepEqual(chunks[3]?.numbers?.[1], Float64Array.of(7));
  });

  test("records of another field count are the same bad rows on both paths", async () => {
    const text = "id,a,b,unused\nr1,1,1,x\nr2,2,2\nr3,3,3,x,extra\nr4,4,4,x\n";
    const [fast] = await chunksOf(text, 10, NEEDS);
    const [plain] = await chunksOf(text, 10);
    assert.ok(fast?.numbers !== undefined);
    assert.deepEqual(fast.bad, plain?.bad);
    assert.deepEqual(fast.bad, [
      { row: 2, reason: "the record has 3 fields; the header has 4" },
      { row: 3, reason: "the record has 5 fields; the header has 4" },
    ]);
    assert.deepEqual(fast.rowNumbers, [1, 4]);
    assert.deepEqual(fast.data[0], ["r1", "r4"]);
    assert.deepEqual(modelValues(fast), modelValues(plain as Chunk));
  });
});
