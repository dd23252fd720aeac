// A batch run's resume state, next to its output: `<out>.flowgate-batch/` holds one part file per finished chunk
// (its encoded rows, and its bad rows) and manifest.json, which names the chunks finished and what the run was
// (inputs and their versions, model, layout, chunking, shard). A part is written to a temporary file, fsync'd
// and renamed before the manifest names it; the manifest is replaced the same way, so after a kill -9 it names
// only complete parts. `--resume` continues from it; a run without --resume starts afresh.
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { invalidParameter } from "../core/errors.js";
import type { OutputLayout } from "./batch-output.js";

/** What a run is: a resumed run must be the same run, or its parts would not fit together. */
export interface RunIdentity {
  inputs: { location: string; size: number; version: string }[];
  target: string;
  chunkRows: number;
  ids: string[];
  onError: "fail" | "skip";
  shard: string;
  format: string;
}

export interface ChunkDone {
  rows: number;
  errors: number;
}

interface Manifest {
  identity: RunIdentity;
  layout: OutputLayout | undefined;
  done: Record<string, ChunkDone>;
}

export class BatchState {
  private manifest: Manifest;
  /** Manifest writes one at a time, newest content last. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    manifest: Manifest,
  ) {
    this.manifest = manifest;
  }

  static dirFor(output: string): string {
    return `${output}.flowgate-batch`;
  }

  /** Opens the state for `output`: the previous run's with `resume` (which must be the same run), else a fresh one. */
  static async open(output: string, identity: RunIdentity, resume: boolean): Promise<BatchState> {
    const dir = BatchState.dirFor(output);
    if (resume) {
      const text = await readFile(path.join(dir, "manifest.json"), "utf8").catch(() => undefined);
      if (text !== undefined) {
        const previous = JSON.parse(text) as Manifest;
        const was = JSON.stringify(previous.identity);
        if (was !== JSON.stringify(identity)) {
          throw invalidParameter(
            `--resume: ${dir} was written by a different run (${was}); this run is ${JSON.stringify(identity)}. Run without --resume to start afresh.`,
          );
        }
        return new BatchState(dir, previous);
      }
    }
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const state = new BatchState(dir, { identity, layout: undefined, done: {} });
    await state.save();
    return state;
  }

  get layout(): OutputLayout | undefined {
    return this.manifest.layout;
  }

  async setLayout(layout: OutputLayout): Promise<void> {
    this.manifest.layout = layout;
    await this.save();
  }

  done(file: number, chunk: number): ChunkDone | undefined {
    return this.manifest.done[key(file, chunk)];
  }

  get finished(): number {
    return Object.keys(this.manifest.done).length;
  }

  partPath(file: number, chunk: number): string {
    return path.join(this.dir, `${key(file, chunk)}.part`);
  }

  errorsPath(file: number, chunk: number): string {
    return path.join(this.dir, `${key(file, chunk)}.errors`);
  }

  /**
   * Writes a chunk's parts durably, then records it as finished. A chunk without bad rows has no errors part
   * (most have none, and each file written is an fsync on the run's path).
   */
  async finish(file: number, chunk: number, part: Buffer, errors: Buffer, done: ChunkDone): Promise<void> {
    await Promise.all([
      durableWrite(this.partPath(file, chunk), part),
      done.errors > 0 ? durableWrite(this.errorsPath(file, chunk), errors) : undefined,
    ]);
    this.manifest.done[key(file, chunk)] = done;
    await this.save();
  }

  /** Removes the state once the output is complete. */
  async remove(): Promise<void> {
    await this.writing;
    await rm(this.dir, { recursive: true, force: true });
  }

  private save(): Promise<void> {
    const content = Buffer.from(JSON.stringify(this.manifest));
    this.writing = this.writing.then(async () => {
      await durableWrite(path.join(this.dir, "manifest.json"), content);
      await syncDir(this.dir);
    });
    return this.writing;
  }
}

function key(file: number, chunk: number): string {
  return `${String(file).padStart(5, "0")}-${String(chunk).padStart(8, "0")}`;
}

/** Temporary file, fsync, rename: a reader sees the old content or the new, never half of it. */
async function durableWrite(target: string, data: Buffer): Promise<void> {
  const tmp = `${target}.tmp`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, target);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
