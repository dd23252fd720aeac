// Webhook signatures. MLflow's scheme and Standard Webhooks' agree on the signed content,
// "{delivery id}.{unix seconds}.{raw body}" with HMAC-SHA256 and base64: `v1,<sig>`. The key is the secret's
// UTF-8 bytes, as MLflow does. During a secret rotation `webhook-signature` carries one signature per live
// secret (space-separated); `X-MLflow-Signature` carries the newest only, since MLflow's verifier reads one.
import { createHmac, timingSafeEqual } from "node:crypto";

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${id}.${timestamp}.${body}`, "utf8");
  return `v1,${mac.digest("base64")}`;
}

/** Headers of one delivery attempt; `secrets` newest first (the current one, then one being rotated out). */
export function signedHeaders(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-mlflow-delivery-id": id,
    "x-mlflow-timestamp": String(timestamp),
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
  };
  const first = secrets[0];
  if (first !== undefined) {
    headers["x-mlflow-signature"] = signature(first, id, timestamp, body);
    headers["webhook-signature"] = secrets.map((s) => signature(s, id, timestamp, body)).join(" ");
  }
  return headers;
}

/**
 * What a receiver does (used by our tests and documented for users): constant-time compare against every
 * signature in the header, and refuse timestamps more than `toleranceS` away from now.
 */
export function verifySignature(
  secret: string,
  headers: { id: string; timestamp: string; signatures: string },
  body: string,
  nowS: number,
  toleranceS = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowS - ts) > toleranceS) return false;
  const expected = Buffer.from(signature(secret, headers.id, ts, body));
  return headers.signatures.split(" ").some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
