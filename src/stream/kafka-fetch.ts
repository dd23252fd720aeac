// One Kafka fetch response → its records, as a read_committed consumer must see them: control batches
// (transaction markers) skipped and the records of aborted transactions dropped, per partition.
import {
  fetchV17,
  type ClusterMetadata,
  type ConnectionPool,
  type Consumer,
  type KafkaRecord,
  type RecordsBatch,
} from "@platformatic/kafka";

type FetchResponse = Awaited<ReturnType<Consumer["fetch"]>>;
type FetchResponsePartition = FetchResponse["responses"][number]["partitions"][number];
export type FetchRequestTopic = Parameters<Consumer["fetch"]>[0]["topics"][number];

/**
 * One read_committed Fetch sent as is, its response unfiltered. Not Consumer.fetch: that client drops aborted
 * batches itself keyed by producer id alone, so two aborted transactions of one producer in a response (a
 * consumer fenced, then killed) make it drop that producer's committed batches between them as well.
 * committedRecords() below filters per transaction.
 */
export async function fetchCommitted(
  pool: ConnectionPool,
  metadata: ClusterMetadata,
  node: number,
  topics: FetchRequestTopic[],
  maxWaitMs: number,
  maxBytes: number,
): Promise<FetchResponse> {
  const broker = metadata.brokers.get(node);
  if (broker === undefined) throw new Error(`Kafka broker ${node} is not in the cluster metadata`);
  const connection = await pool.get(broker);
  return fetchV17.api.async(connection, maxWaitMs, 1, maxBytes, 1, 0, 0, topics, [], "");
}

const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;
/** A control record's key is (version int16, type int16); type 0 is ABORT, 1 is COMMIT. */
const ABORT_MARKER = 0;

export interface FetchedRecord {
  offset: bigint;
  record: KafkaRecord;
}

export interface FetchedPartition {
  records: FetchedRecord[];
  /** The offset after the last batch returned (markers included): where the next fetch starts. */
  next: bigint | undefined;
}

/**
 * The records of one partition from `from` on. The broker lists the aborted transactions overlapping the
 * fetched range; a producer's batches are dropped from its aborted transaction's first offset until its ABORT
 * marker, which may lie beyond this response (then its batches up to the end are dropped: they are aborted).
 */
export function committedRecords(partition: FetchResponsePartition, from: bigint): FetchedPartition {
  const batches: RecordsBatch[] = partition.records ?? [];
  const aborted = [...(partition.abortedTransactions ?? [])].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  const abortedProducers = new Set<bigint>();
  const records: FetchedRecord[] = [];
  let next: bigint | undefined;
  let nextAborted = 0;
  for (const batch of batches) {
    next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
    while (nextAborted < aborted.length && (aborted[nextAborted]?.firstOffset ?? 0n) <= batch.firstOffset) {
      abortedProducers.add((aborted[nextAborted] as { producerId: bigint }).producerId);
      nextAborted++;
    }
    if (batch.attributes & IS_CONTROL) {
      const marker = batch.records[0]?.key;
      if (marker && marker.length >= 4 && marker.readInt16BE(2) === ABORT_MARKER) {
        abortedProducers.delete(batch.producerId);
      }
      continue;
    }
    if (batch.attributes & IS_TRANSACTIONAL && abortedProducers.has(batch.producerId)) continue;
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      // A fetch returns whole batches: records before the requested offset were already consumed.
      if (offset >= from) records.push({ offset, record });
    }
  }
  return { records, next };
}
