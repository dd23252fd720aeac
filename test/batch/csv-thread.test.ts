// A local CSV read for numbers is read on a worker thread while the main thread scores: the chunks that come
// back are the ones the same reader makes on the main thread — numbers, kept texts, row numbers, bad rows, the
// text path for a chunk it cannot read as numbers, gzip, errors — and the thread ends with the iteration.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { openerFor, type InputFile } from "../../src/batch/batch-input.js";
import { readChunks, streamChunks, type Chunk, type CsvNeeds } from "../../src/batch/chunk-reader.js";
import { fromWire, toWire } from "../../src/batch/csv-thread.js";
import { FlowgateError } from "../../src/core/errors.js";
import type { NumericType } from "../../src/serving/schema-enforcement.js";

const dir = mkdtempSync(path.join(tmpdir(), "flowgate-csv-thread-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const NEEDS: CsvNeeds = {
  numbers: new Map<string, NumericType>([
    ["a", "double"],
    ["b", "long"],
  ]),
  texts: ["id"],
};

async function fileAt(name: string, content: string | Buffer): Promise<InputFile> {
  const location = path.join(dir, name);
  writeFileSync(location, content);
  const [file] = await openerFor(location).list(location);
  return file as InputFile;
}

async function collect(chunks: AsyncGenerator<Chunk>): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

/** The chunks read on the worker thread, and the fractions of the file it reported. */
async function onThread(
  file: InputFile,
  chunkRows: number,
): Promise<{ chunks: Chunk[]; fractions: number[] }> {
  const fractions: number[] = [];
  const opener = openerFor(file.location);
  const chunks = await collect(readChunks(opener, file, 3, chunkRows, (f) => fractions.push(f), NEEDS));
  return { chunks, fractions };
}

const onMainThread = (file: InputFile, chunkRows: number): Promise<Chunk[]> =>
  collect(streamChunks(openerFor(file.location), file, 3, chunkRows, () => undefined, NEEDS));

function plainRows(n: number): string {
  const lines = ["id,a,b,unused"];
  for (let i = 0; i < n; i++) lines.push(`row-${i},${(i % 97) / 8},${i * 3 - 500},u${i % 5}`);
  return `${lines.join("\n")}\n`;
}

describe("reading a CSV on a worker thread", () => {
  test("a plain file's chunks — across 64 KiB blocks — are the main thread's, numbers and kept texts alike", async () => {
    const file = await fileAt("plain.csv", plainRows(25_003));
    const { chunks, fractions } = await onThread(file, 4_000);
    assert.deepEqual(chunks, await onMainThread(file, 4_000));
    assert.equal(chunks.length, 7);
    assert.ok(chunks.every((c) => c.numbers !== undefined && c.file === 3));
    assert.ok(
      chunks[0]?.numbers?.[1] instanceof Float64Array,
      "a number column comes back as float64 numbers",
    );
    assert.equal(fractions.length, 7);
    assert.equal(fractions.at(-1), 1);
  });

  test("quoted records, refused cells, bad field counts and empty text cells come back as read", async () => {
    const rows = ["r1,1,1,x", 'r2,"2",2,x', "r3,3,3,x", "r4,4,4.5,x", ",5,5,x", "r6,6,6", "r7,7,7,x"];
    const file = await fileAt("mixed.csv", `id,a,b,unused\n${rows.join("\n")}\n`);
    const { chunks } = await onThread(file, 2);
    assert.deepEqual(chunks, await onMainThread(file, 2));
    // [r1 r2] quoted and [r3 r4] 4.5 is no long: text; [r5 r6] numbers, an empty id, r6 bad; [r7] numbers.
    assert.deepEqual(
      chunks.map((c) => c.numbers !== undefined),
      [false, false, true, true],
    );
    assert.deepEqual(chunks[2]?.data[0], [""]);
    assert.deepEqual(chunks[2]?.bad, [{ row: 6, reason: "the record has 3 fields; the header has 4" }]);
  });

  test("a gzip file and a file of no rows", async () => {
    const text = plainRows(1_000);
    const gz = await fileAt("rows.csv.gz", gzipSync(text));
    assert.deepEqual((await onThread(gz, 300)).chunks, await onMainThread(gz, 300));
    const empty = await fileAt("header-only.csv", "id,a,b,unused\n");
    const { chunks } = await onThread(empty, 300);
    assert.deepEqual(chunks, await onMainThread(empty, 300));
    assert.deepEqual(chunks[0]?.rowNumbers, []);
  });

  test("a file the reader refuses fails with the main thread's error", async () => {
    const file = await fileAt("broken.csv", 'id,a,b,unused\nr1,1,1,x\nr2,"2,2,x\n');
    const expected = await onMainThread(file, 10).then(
      () => assert.fail("the main thread reads it"),
      (err: unknown) => err as FlowgateError,
    );
    await assert.rejects(onThread(file, 10), (err: unknown) => {
      assert.ok(err instanceof FlowgateError);
      assert.equal(err.code, expected.code);
      assert.equal(err.message, expected.message);
      return true;
    });
  });

  test("stopping early ends the thread (the iteration returns; nothing is left running)", async () => {
    const file = await fileAt("long.csv", plainRows(50_000));
    let taken = 0;
    for await (const chunk of readChunks(openerFor(file.location), file, 0, 1_000, () => undefined, NEEDS)) {
      assert.equal(chunk.index, taken);
      if (++taken === 2) break;
    }
    assert.equal(taken, 2);
  });

  test("on the wire: numbers and row numbers as float64 arrays, a plain chunk's texts as one string", () => {
    const chunk: Chunk = {
      file: 0,
      index: 1,
      columns: ["id", "a"],
      data: [["x", "", "z"], undefined],
      numbers: [undefined, Float64Array.of(1.5, -0, Number.NaN)],
      rowNumbers: [4, 5, 7],
      bad: [{ row: 6, reason: "r" }],
      fromText: true,
    };
    const { wire, transfer } = toWire(chunk);
    assert.equal(wire.data[0], "x\n\nz");
    assert.ok(wire.numbers?.[1] instanceof Float64Array);
    assert.equal(transfer.length, 2);
    assert.deepEqual(fromWire(wire), chunk);
  });
});
