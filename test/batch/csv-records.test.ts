// The CSV reader batch uses: RFC 4180 records from a stream, whatever the block boundaries of the stream are —
// quoted fields with commas, doubled quotes and line ends; CRLF; a BOM; empty lines skipped; a last record with no
// line end — and malformed quoting refused with the line it is on.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { csvBlocks, recordFields } from "../../src/batch/csv-records.js";

/** The records of `text` read from a stream cut into blocks of `size` bytes. */
async function records(text: string, size: number): Promise<string[][]> {
  const bytes = Buffer.from(text);
  const blocks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) blocks.push(bytes.subarray(i, i + size));
  const out: string[][] = [];
  for await (const block of csvBlocks(Readable.from(blocks))) {
    for (let i = 0; i < block.starts.length; i++) out.push(recordFields(block, i));
  }
  return out;
}

const SIZES = [1, 2, 3, 7, 4096];

describe("csvBlocks", () => {
  test("plain records split on commas; CRLF, a BOM, empty lines and a missing last line end are handled", async () => {
    for (const size of SIZES) {
      assert.deepEqual(await records("\ufeffa,b\r\n1,2\r\n\r\n\n3,4", size), [
        ["a", "b"],
        ["1", "2"],
        ["3", "4"],
      ]);
    }
  });

  test("quoted fields keep commas, doubled quotes and line ends; empty fields stay empty", async () => {
    const text = 'id,text\n1,"a, b"\n2,"he said ""hi"""\n3,"two\r\nlines"\n"",\n';
    for (const size of SIZES) {
      assert.deepEqual(await records(text, size), [
        ["id", "text"],
        ["1", "a, b"],
        ["2", 'he said "hi"'],
        ["3", "two\r\nlines"],
        ["", ""],
      ]);
    }
  });

  test("records of another field count come through as they are (the reader of chunks flags them)", async () => {
    assert.deepEqual(await records("a,b,c\n1,2\n1,2,3,4\n", 4096), [
      ["a", "b", "c"],
      ["1", "2"],
      ["1", "2", "3", "4"],
    ]);
  });

  test("malformed quoting is refused with its line", async () => {
    await assert.rejects(records('a\n"open', 3), /line 2: a quoted field is not closed/);
    await assert.rejects(records('a\nx"y\n', 3), /line 2: a quote inside an unquoted field/);
    await assert.rejects(records('a\n"x"y\n', 3), /line 2: a closing quote is followed by text/);
  });
});
