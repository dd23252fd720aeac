// Prediction-log segments on the server: a serving replica uploads one Parquet file per rotation; the server
// checks it (magic bytes, footer: rows, time range, versions), writes it into the artifact store under
// monitoring/<deployment>/<yyyy-mm-dd>/<first>-<replica>-<seq>.parquet and only then adds the index row, so
// an index row never names a missing file. The monitor lists segments by time and opens them through the
// artifact store; retention deletes files first, then their rows.
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { ArtifactRepository } from "../artifacts/artifact-repo.js";
import type { Clock } from "../core/clock.js";
import { FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { Database } from "../store/database.js";
import type { PredictionSegment } from "./monitoring.js";
import type { SegmentStore } from "./segment-store.js";
import { segmentFooter } from "./segments/segment-reader.js";

/** The largest segment accepted: serving rotates long before (50 000 rows), so this only stops abuse. */
export const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
const PARQUET_MAGIC = Buffer.from("PAR1", "ascii");
/** Segments deleted per round of retention, so one round never holds a long transaction. */
const EXPIRE_BATCH = 500;
const DAY_MS = 86_400_000;

export interface SegmentUpload {
  deployment: string;
  /** The serving replica's name (host:port/pid); kept as written in the index, made path-safe in the file name. */
  replica: string;
  /** The replica's sequence number of this segment: a retried upload of the same one replaces it. */
  seq?: number;
  body: Buffer;
}

export interface SegmentService {
  upload(upload: SegmentUpload): Promise<PredictionSegment>;
  /** Segments with rows in [from, to) ms (defaults: everything), oldest first. */
  list(deployment: string, from?: number, to?: number): Promise<PredictionSegment[]>;
  /** A segment's bytes, read through the artifact store (for readSegment). */
  openSegment(segment: PredictionSegment): Promise<Uint8Array>;
  /** Deletes segments older than their deployment's retention (files, then rows); answers how many. */
  expire(now: number): Promise<number>;
}

export interface SegmentServiceDeps {
  database: Database;
  store: SegmentStore;
  artifacts: ArtifactRepository;
  clock: Clock;
  logger: Logger;
  /** The deployment's retention in days (spec.monitoring.retentionDays or the default); undefined: no such deployment. */
  retentionDays: (deployment: string) => Promise<number | undefined>;
  /** Retention of segments whose deployment was deleted. */
  orphanRetentionDays?: number;
}

function checkReplica(replica: string | undefined): string {
  if (replica === undefined || replica.trim() === "") {
    throw invalidParameter("replica is required: the serving replica's name (e.g. host:port/pid).");
  }
  if (replica.length > 200) throw invalidParameter("replica must be at most 200 characters.");
  return replica;
}

/** The replica's name as a file-name part: anything but letters, digits, '.', '_' and '-' becomes '_'. */
function pathSafe(replica: string): string {
  return replica.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100);
}

function isParquet(body: Buffer): boolean {
  return (
    body.length >= 12 &&
    body.subarray(0, 4).equals(PARQUET_MAGIC) &&
    body.subarray(body.length - 4).equals(PARQUET_MAGIC)
  );
}

async function footerOf(body: Buffer) {
  try {
    return await segmentFooter(new Uint8Array(body.buffer, body.byteOffset, body.length));
  } catch (err) {
    if (err instanceof FlowgateError) throw err;
    throw invalidParameter(
      `The body is not a readable Parquet segment (${(err as Error).message.slice(0, 200)}).`,
    );
  }
}

async function bytesOf(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

export function createSegmentService(deps: SegmentServiceDeps): SegmentService {
  const { database, store, artifacts, clock } = deps;

  async function expireDeployment(deployment: string, before: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const batch = await store.expired(database.db, deployment, before, EXPIRE_BATCH);
      if (batch.length === 0) return removed;
      for (const s of batch) await artifacts.delete(s.path);
      await store.remove(
        database.db,
        batch.map((s) => s.id),
      );
      removed += batch.length;
      if (batch.length < EXPIRE_BATCH) return removed;
    }
  }

  return {
    async upload(u) {
      const replica = checkReplica(u.replica);
      if ((await deps.retentionDays(u.deployment)) === undefined) {
        throw notFound(`Deployment '${u.deployment}' does not exist.`);
      }
      if (u.seq !== undefined && !(Number.isSafeInteger(u.seq) && u.seq >= 0)) {
        throw invalidParameter(`seq must be a non-negative integer (got ${u.seq}).`);
      }
      if (u.body.length > MAX_SEGMENT_BYTES) {
        throw new FlowgateError("PAYLOAD_TOO_LARGE", `A segment may be at most ${MAX_SEGMENT_BYTES} bytes.`);
      }
      if (!isParquet(u.body)) {
        throw invalidParameter(
          "The body is not a Parquet file (it must start and end with PAR1): send the segment's bytes " +
            "as application/vnd.apache.parquet.",
        );
      }
      const footer = await footerOf(u.body);
      if (footer.rows === 0) throw invalidParameter("The segment has no rows: there is nothing to store.");
      const day = new Date(footer.firstTime).toISOString().slice(0, 10);
      const seq = u.seq ?? randomUUID().slice(0, 8);
      const path = `monitoring/${u.deployment}/${day}/${footer.firstTime}-${pathSafe(replica)}-${seq}.parquet`;
      await artifacts.put(path, Readable.from([u.body]), {
        maxBytes: MAX_SEGMENT_BYTES,
        expectedBytes: u.body.length,
      });
      const segment: PredictionSegment = {
        id: randomUUID(),
        deployment: u.deployment,
        path,
        replica,
        firstTime: footer.firstTime,
        lastTime: footer.lastTime,
        rows: footer.rows,
        bytes: u.body.length,
        versions: footer.versions,
        createdAt: clock.now(),
      };
      // A retried upload (the answer was lost) wrote the same path again: its first row stands.
      const existing = (
        await store.list(database.db, u.deployment, footer.firstTime, footer.firstTime + 1)
      ).find((s) => s.path === path);
      if (existing !== undefined) return existing;
      await store.add(database.db, segment);
      return segment;
    },
    async list(deployment, from, to) {
      if ((await deps.retentionDays(deployment)) === undefined) {
        throw notFound(`Deployment '${deployment}' does not exist.`);
      }
      const lo = from ?? 0;
      const hi = to ?? Number.MAX_SAFE_INTEGER;
      if (hi < lo) throw invalidParameter(`to (${hi}) must not be before from (${lo}).`);
      return store.list(database.db, deployment, lo, hi);
    },
    async openSegment(segment) {
      return bytesOf((await artifacts.get(segment.path)).stream);
    },
    async expire(now) {
      let removed = 0;
      for (const deployment of await store.deployments(database.db)) {
        const days = (await deps.retentionDays(deployment)) ?? deps.orphanRetentionDays ?? 30;
        const n = await expireDeployment(deployment, now - days * DAY_MS);
        if (n > 0) {
          deps.logger.info({ deployment, removed: n, retention_days: days }, "monitoring: expired segments");
        }
        removed += n;
      }
      return removed;
    },
  };
}
