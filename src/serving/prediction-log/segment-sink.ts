// Where finished segments go: the control plane's POST /api/flowgate/v1/monitoring/segments, with the same
// tracking URI and authorization as the observation reporter.

/** How one upload ended: stored, worth retrying (unreachable, 5xx, 429), or refused for good (4xx). */
export type UploadOutcome = "stored" | "retry" | "refused";

export interface SegmentSink {
  upload(segment: { bytes: Uint8Array; seq: number; rows: number }): Promise<UploadOutcome>;
}

export function httpSegmentSink(options: {
  trackingUri: string;
  deployment: string;
  /** Read at each upload: the replica's name is known once it listens. */
  replica: () => string;
  authorization: string | undefined;
  timeoutMs?: number;
}): SegmentSink {
  const base = options.trackingUri.replace(/\/+$/, "");
  return {
    async upload({ bytes, seq }) {
      const query = new URLSearchParams({
        deployment: options.deployment,
        replica: options.replica(),
        seq: String(seq),
      });
      try {
        const response = await fetch(`${base}/api/flowgate/v1/monitoring/segments?${query.toString()}`, {
          method: "POST",
          headers: {
            "content-type": "application/vnd.apache.parquet",
            ...(options.authorization ? { authorization: options.authorization } : {}),
          },
          body: bytes,
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
        await response.arrayBuffer();
        if (response.ok) return "stored";
        return response.status >= 500 || response.status === 429 ? "retry" : "refused";
      } catch {
        return "retry";
      }
    },
  };
}
