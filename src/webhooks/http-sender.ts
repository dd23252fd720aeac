// One outbound webhook POST, hardened: the DNS answer and the connected socket's peer address are both checked
// against the SSRF rules (so DNS rebinding cannot slip past the check made when the webhook was saved),
// redirects are never followed (a 3xx is a failure), no connection reuse, a timeout, and at most a few KB of the
// response body are kept.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { checkAddress, type TargetRules } from "./target-address.js";

export interface SendResult {
  /** HTTP status, when a response came back. */
  status: number | undefined;
  /** The first KBs of the response body. */
  body: string;
  /** Parsed Retry-After, in ms. */
  retryAfterMs: number | undefined;
  error: string | undefined;
  durationMs: number;
}

const MAX_BODY = 4096;

export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export function sendWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  rules: TargetRules,
  timeoutMs: number,
): Promise<SendResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<SendResult, "durationMs">): void => {
      if (settled) return;
      settled = true;
      resolve({ ...r, durationMs: Date.now() - started });
    };
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      finish({ status: undefined, body: "", retryAfterMs: undefined, error: "invalid url" });
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const checkedLookup = (
      hostname: string,
      options: object,
      callback: (
        err: NodeJS.ErrnoException | null,
        address: string | LookupAddress[],
        family?: number,
      ) => void,
    ): void => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err !== null) return callback(err, []);
        try {
          for (const a of addresses) checkAddress(a.address, rules, hostname);
        } catch (e) {
          return callback(e as NodeJS.ErrnoException, []);
        }
        const all = (options as { all?: boolean }).all === true;
        const first = addresses[0];
        if (all || first === undefined) return callback(null, addresses);
        return callback(null, first.address, first.family);
      });
    };
    const client = url.protocol === "https:" ? https : http;
    const req = client.request(
      url,
      {
        method: "POST",
        headers: {
          ...headers,
          "content-length": String(Buffer.byteLength(body)),
          "user-agent": "Flowgate-Webhooks/1",
        },
        agent: false,
        lookup: checkedLookup,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          if (size < MAX_BODY) chunks.push(c.subarray(0, MAX_BODY - size));
          size += c.length;
        });
        res.on("end", () => {
          const retryAfter: string | undefined = res.headers["retry-after"];
          finish({
            status: res.statusCode,
            body: Buffer.concat(chunks).toString("utf8"),
            retryAfterMs: parseRetryAfter(retryAfter, Date.now()),
            error: undefined,
          });
        });
        res.on("error", (e) =>
          finish({ status: res.statusCode, body: "", retryAfterMs: undefined, error: e.message }),
        );
      },
    );
    // The address actually connected to: an IP literal skips lookup, and a resolver may answer differently
    // between the check and the connect (rebinding), so the socket's peer is checked too.
    req.on("socket", (socket: Socket) => {
      socket.once("connect", () => {
        try {
          checkAddress(socket.remoteAddress ?? "", rules, host);
        } catch (e) {
          req.destroy(e as Error);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on("error", (e) =>
      finish({ status: undefined, body: "", retryAfterMs: undefined, error: e.message }),
    );
    req.end(body);
  });
}
