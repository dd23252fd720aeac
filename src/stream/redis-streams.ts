// Redis Streams as a stream source (a consumer group read with XREADGROUP, XACK after publish, XAUTOCLAIM of
// entries a dead consumer left pending) and sink (XADD, idempotent by event id through a dedupe key set in the
// same Lua script). An entry carries its payload in the field `value`; the sink writes fields `id` and `value`.
import os from "node:os";
import type { Redis } from "ioredis";
import { FlowgateError } from "../core/errors.js";
import { connectRedis, parseRedisStreamUrl } from "./redis-url.js";
import { integerParam } from "./stream-url-params.js";
import type { StreamBroker } from "./endpoints.js";
import type { StreamEvent, StreamRecord, StreamSink, StreamSource } from "./stream.js";

export interface RedisSourceOptions {
  /** This process's name in the group; defaults to the URL's `consumer`, else `<hostname>-<pid>`. */
  consumer?: string;
}

/** A raw stream entry as XREADGROUP/XAUTOCLAIM return it: [id, [field, value, …]] (fields null if trimmed). */
type RawEntry = [Buffer, Buffer[] | null];

/**
 * Reads `redis://host:port[/db]/<stream>?group=<g>[&consumer=<name>][&claimIdle=<ms>][&start=0|$]`.
 * The group is created (with the stream, MKSTREAM) at `start` (default `0`: the whole stream) if missing.
 * Entries pending on another consumer for longer than `claimIdle` (default 30 000 ms) are taken over with
 * XAUTOCLAIM: that is how a killed consumer's entries get finished (Redis has no rebalance of its own).
 */
export async function openRedisSource(url: string, options: RedisSourceOptions = {}): Promise<StreamSource> {
  const target = parseRedisStreamUrl(url);
  const group = target.params.get("group") ?? "flowgate";
  const consumer = options.consumer ?? target.params.get("consumer") ?? `${os.hostname()}-${process.pid}`;
  const claimIdleMs = integerParam(target.params, "claimIdle", 30_000);
  const start = target.params.get("start") ?? "0";
  const commands = await connectRedis(target);
  try {
    await commands.call("XGROUP", "CREATE", target.stream, group, start, "MKSTREAM");
  } catch (err) {
    if (!String((err as Error).message).startsWith("BUSYGROUP")) {
      commands.disconnect();
      throw err;
    }
  }
  // Blocking reads get their own connection, so acks and lag queries never wait behind a BLOCK.
  const reader = commands.duplicate();
  return new RedisStreamSource(commands, reader, target.stream, group, consumer, claimIdleMs);
}

class RedisStreamSource implements StreamSource {
  /** Our own entries still pending from an earlier run under this consumer name are read first, from here. */
  private historyCursor: string | undefined = "0";
  private claimCursor = "0-0";
  private nextClaimAt = 0;

  constructor(
    private readonly commands: Redis,
    private readonly reader: Redis,
    private readonly stream: string,
    private readonly group: string,
    private readonly consumer: string,
    private readonly claimIdleMs: number,
  ) {}

  async pull(max: number, waitMs: number): Promise<StreamEvent[]> {
    if (this.historyCursor !== undefined) {
      const history = await this.readGroup(max, undefined, this.historyCursor);
      const last = history.at(-1);
      this.historyCursor = last === undefined ? undefined : last.id;
      if (history.length > 0) return history;
    }
    const claimed = Date.now() >= this.nextClaimAt ? await this.claim(max) : [];
    if (claimed.length >= max) return claimed;
    // Block for new entries only when the claim found none: a claimed batch goes out at once.
    const fresh = await this.readGroup(max - claimed.length, claimed.length > 0 ? undefined : waitMs, ">");
    return claimed.concat(fresh);
  }

  private async readGroup(count: number, blockMs: number | undefined, from: string): Promise<StreamEvent[]> {
    const block = blockMs === undefined ? [] : ["BLOCK", Math.max(1, Math.round(blockMs))];
    const reply = (await this.reader.callBuffer(
      "XREADGROUP",
      "GROUP",
      this.group,
      this.consumer,
      "COUNT",
      count,
      ...block,
      "STREAMS",
      this.stream,
      from,
    )) as unknown[] | null;
    return this.toEvents(streamEntries(reply));
  }

  /** Takes over entries idle on any consumer for longer than claimIdle, walking the group's pending list. */
  private async claim(max: number): Promise<StreamEvent[]> {
    const [cursor, entries] = (await this.reader.callBuffer(
      "XAUTOCLAIM",
      this.stream,
      this.group,
      this.consumer,
      this.claimIdleMs,
      this.claimCursor,
      "COUNT",
      max,
    )) as [Buffer, RawEntry[]];
    this.claimCursor = cursor.toString();
    // A full walk of the pending list is done: wait before the next one, as nothing can be idle enough sooner.
    if (this.claimCursor === "0-0") this.nextClaimAt = Date.now() + Math.min(this.claimIdleMs, 5_000);
    return this.toEvents(entries);
  }

  private async toEvents(entries: RawEntry[]): Promise<StreamEvent[]> {
    const events: StreamEvent[] = [];
    const trimmed: string[] = [];
    for (const [rawId, fields] of entries) {
      const id = rawId.toString();
      // An entry trimmed (MAXLEN/XDEL) while pending has no fields left to score: ack it so it leaves the list.
      if (fields === null) {
        trimmed.push(id);
        continue;
      }
      events.push({ id, value: fieldValue(fields) ?? Buffer.alloc(0), position: id });
    }
    if (trimmed.length > 0) await this.commands.call("XACK", this.stream, this.group, ...trimmed);
    return events;
  }

  async ack(events: readonly StreamEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.commands.call("XACK", this.stream, this.group, ...events.map((e) => e.position as string));
  }

  /** Entries the group has not read yet (XINFO GROUPS `lag`) plus those read but not acknowledged. */
  async lag(): Promise<number | undefined> {
    const groups = (await this.commands.call("XINFO", "GROUPS", this.stream)) as unknown[][];
    for (const flat of groups) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
      if (info.get("name") !== this.group) continue;
      const lag = info.get("lag");
      // Redis reports no lag (nil) when deletions make it unknowable; the gauge then shows nothing.
      return typeof lag === "number" ? lag + Number(info.get("pending") ?? 0) : undefined;
    }
    return undefined;
  }

  /**
   * Leaves the group: a consumer with nothing pending is deleted from it; one with pending entries stays, so
   * that another consumer claims them (deleting it would drop its pending entries unprocessed).
   */
  async close(): Promise<void> {
    try {
      const pending = (await this.commands.call(
        "XPENDING",
        this.stream,
        this.group,
        "-",
        "+",
        1,
        this.consumer,
      )) as unknown[];
      if (pending.length === 0) {
        await this.commands.call("XGROUP", "DELCONSUMER", this.stream, this.group, this.consumer);
      }
    } finally {
      await Promise.allSettled([this.reader.quit(), this.commands.quit()]);
    }
  }
}

/**
 * The entries of a one-stream XREADGROUP reply: nil when nothing came, else the stream as a map — RESP2's
 * [[name, entries]], or RESP3's map [name, entries] flattened by the client (ioredis 6 speaks RESP3).
 */
function streamEntries(reply: unknown[] | null): RawEntry[] {
  if (reply === null || reply.length === 0) return [];
  const first = reply[0];
  return (Buffer.isBuffer(first) ? reply[1] : (first as unknown[])[1]) as RawEntry[];
}

function fieldValue(fields: Buffer[]): Buffer | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i]?.toString() === "value") return fields[i + 1];
  }
  return undefined;
}

// One script call publishes a chunk of records: for each, SET NX its dedupe key (with a TTL) and XADD only when
// the key was new. Lua runs atomically, so a crash never leaves an entry without its key or a key without its
// entry. Why keys with a TTL rather than one hash of seen ids (HSETNX): a hash's fields cannot expire on Redis
// 7.0 (HEXPIRE is 7.4), so it would grow for ever; a key per id expires by itself once no redelivery can come.
// The dedupe keys share the stream's hash slot (`{stream}` tag), so the script is valid on a cluster too.
const PUBLISH_SCRIPT = `
local ttl = ARGV[1]
local maxlen = tonumber(ARGV[2])
local added = 0
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ttl) then
    local id, value = ARGV[2 * i - 1], ARGV[2 * i]
    if maxlen > 0 then
      redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', 'id', id, 'value', value)
    else
      redis.call('XADD', KEYS[1], '*', 'id', id, 'value', value)
    end
    added = added + 1
  end
end
return added
`;

/** Records per script call: big enough to amortise the round trip, small enough not to stall Redis. */
const CHUNK = 500;

/**
 * Writes `redis://host:port[/db]/<stream>[?maxlen=<n>][&dedupeWindow=<seconds>]`. Idempotent by record id
 * within `dedupeWindow` (default 600 s): a record published again within it is dropped. That covers a
 * redelivery after a crash (claimed after claimIdle, or read at once by the restarted consumer); a record
 * redelivered later is written again, so a reader that must never see a duplicate dedupes on the `id` field.
 * Each remembered id costs ~100 bytes of Redis memory: rate × window bounds it. `maxlen` caps the stream
 * approximately (XADD MAXLEN ~).
 */
export async function openRedisSink(url: string): Promise<StreamSink> {
  const target = parseRedisStreamUrl(url);
  const maxlen = target.params.has("maxlen") ? integerParam(target.params, "maxlen", 0) : 0;
  const ttl = integerParam(target.params, "dedupeWindow", 600);
  const client = await connectRedis(target);
  const sha = (await client.call("SCRIPT", "LOAD", PUBLISH_SCRIPT)) as string;
  const dedupePrefix = `{${target.stream}}:flowgate-published:`;

  const publishChunk = async (records: readonly StreamRecord[]): Promise<void> => {
    const keys = [target.stream, ...records.map((r) => dedupePrefix + r.id)];
    const args: (string | Buffer | number)[] = [ttl, maxlen];
    for (const r of records) args.push(r.id, r.value);
    try {
      await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      // The script cache is emptied by a restart or SCRIPT FLUSH: send the script itself once.
      if (!String((err as Error).message).startsWith("NOSCRIPT")) throw err;
      await client.eval(PUBLISH_SCRIPT, keys.length, ...keys, ...args);
    }
  };

  return {
    publish: async (records) => {
      const chunks: Promise<void>[] = [];
      // Sent without waiting for one another, the chunks are pipelined on the connection.
      for (let i = 0; i < records.length; i += CHUNK) chunks.push(publishChunk(records.slice(i, i + CHUNK)));
      const results = await Promise.allSettled(chunks);
      const failed = results.find((r) => r.status === "rejected");
      if (failed !== undefined) {
        throw new FlowgateError(
          "TEMPORARILY_UNAVAILABLE",
          `publishing to Redis stream '${target.stream}' failed: ${String(failed.reason)}`,
        );
      }
    },
    close: async () => {
      await client.quit();
    },
  };
}

/** `redis://` in endpoints.ts. */
export const redisBroker: StreamBroker = { openSource: openRedisSource, openSink: openRedisSink };
