// Where batch scoring reads: `-i` names a file, a directory (every data file in it) or a glob in its last path
// segment (`data/part-*.csv`), listed in name order so every run and every shard sees the same list. Each URL
// scheme has its own opener; local paths are built in, and another scheme (s3://) plugs in with
// registerInputScheme without touching the readers.
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { asyncBufferFromFile, type AsyncBuffer } from "hyparquet";
import { invalidParameter } from "../core/errors.js";

export type DataFormat = "csv" | "parquet" | "jsonl";

/** One input file: where it is, how it is encoded, and what identifies its content for resume. */
export interface InputFile {
  /** The path or URL as the opener understands it. */
  location: string;
  format: DataFormat;
  gzip: boolean;
  size: number;
  /** Changes when the file is rewritten (mtime, an ETag…): a resumed run refuses a changed input. */
  version: string;
}

export interface InputOpener {
  /** The files `spec` names, in a stable order. */
  list(spec: string): Promise<InputFile[]>;
  /** The file's bytes as a stream (still compressed). */
  stream(file: InputFile): Readable;
  /** Random access for Parquet's footer and row groups. */
  buffer(file: InputFile): Promise<AsyncBuffer>;
}

const schemes = new Map<string, InputOpener>();

/** Makes `<scheme>://…` inputs readable (e.g. "s3" once an S3 client is wired). */
export function registerInputScheme(scheme: string, opener: InputOpener): void {
  schemes.set(scheme, opener);
}

export function openerFor(spec: string): InputOpener {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === "file") return localFiles;
  const opener = schemes.get(scheme);
  if (opener === undefined) {
    throw invalidParameter(
      `Cannot read '${spec}': ${scheme}:// inputs are not supported${schemes.size > 0 ? ` (supported: local paths, ${[...schemes.keys()].map((s) => `${s}://`).join(", ")})` : "; pass a local file, directory or glob"}.`,
    );
  }
  return opener;
}

/** The format a file name says (its extension, after any .gz), or undefined for anything else. */
export function formatOf(name: string): { format: DataFormat; gzip: boolean } | undefined {
  const lower = name.toLowerCase();
  const gzip = lower.endsWith(".gz");
  const base = gzip ? lower.slice(0, -3) : lower;
  if (base.endsWith(".csv")) return { format: "csv", gzip };
  if (base.endsWith(".jsonl") || base.endsWith(".ndjson")) return { format: "jsonl", gzip };
  if (!gzip && (base.endsWith(".parquet") || base.endsWith(".pq"))) return { format: "parquet", gzip };
  return undefined;
}

const SUPPORTED = ".csv, .jsonl, .ndjson (each optionally .gz) and .parquet";

const localFiles: InputOpener = {
  async list(spec) {
    const target = spec.startsWith("file://") ? new URL(spec).pathname : spec;
    const base = path.basename(target);
    let names: string[];
    if (/[*?[]/.test(base)) {
      const dir = path.dirname(target);
      const pattern = globPattern(base);
      names = (await readdir(dir).catch(() => missing(spec)))
        .filter((n) => pattern.test(n))
        .map((n) => path.join(dir, n));
    } else {
      const info = await stat(target).catch(() => missing(spec));
      names = info.isDirectory()
        ? (await readdir(target)).filter((n) => formatOf(n) !== undefined).map((n) => path.join(target, n))
        : [target];
    }
    names.sort();
    if (names.length === 0) throw invalidParameter(`'${spec}' names no input files (${SUPPORTED}).`);
    return Promise.all(
      names.map(async (name) => {
        const format = formatOf(name);
        if (format === undefined) {
          throw invalidParameter(
            `Cannot tell the format of '${name}' from its name: batch reads ${SUPPORTED}.`,
          );
        }
        const info = await stat(name);
        if (!info.isFile()) throw invalidParameter(`'${name}' is not a file.`);
        return { location: name, ...format, size: info.size, version: String(info.mtimeMs) };
      }),
    );
  },
  stream: (file) => createReadStream(file.location, { highWaterMark: 1024 * 1024 }),
  buffer: (file) => asyncBufferFromFile(file.location),
};

/** Whether files of `opener` are local paths (another thread can open them by their location). */
export function isLocal(opener: InputOpener): boolean {
  return opener === localFiles;
}

function missing(spec: string): never {
  throw invalidParameter(`Input '${spec}' does not exist.`);
}

/** A shell glob of one path segment: * and ? and [classes]. */
function globPattern(glob: string): RegExp {
  let out = "";
  for (const ch of glob) {
    if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else if (ch === "[" || ch === "]") out += ch;
    else out += ch.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}
