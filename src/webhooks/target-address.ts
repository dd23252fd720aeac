// SSRF rules for webhook targets (hostile-inputs C.23, MLflow CVE-2026-2393): https only, and no private,
// loopback, link-local or otherwise special addresses — unless the server admin allows them. Checked when a
// webhook is saved (URL and DNS), and again at connect time on the address actually dialled.
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { invalidParameter } from "../core/errors.js";

export interface TargetRules {
  allowHttp: boolean;
  allowPrivate: boolean;
}

const SPECIAL = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  SPECIAL.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  SPECIAL.addSubnet(net, prefix, "ipv6");
}

/** True for loopback, private, link-local, CGNAT, multicast, documentation and unspecified addresses. */
export function isSpecialAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return isSpecialAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return true;
  return SPECIAL.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** Throws unless `address` may be dialled under `rules`. */
export function checkAddress(address: string, rules: TargetRules, host: string): void {
  if (!rules.allowPrivate && isSpecialAddress(address)) {
    throw invalidParameter(
      `Webhook host '${host}' resolves to ${address}, a private, loopback or link-local address; ` +
        "an admin can allow such targets with FLOWGATE_WEBHOOK_ALLOW_PRIVATE=true.",
    );
  }
}

/**
 * Validates a webhook URL when it is saved. The WHATWG parser already normalises numeric hosts
 * (0x7f000001, 2130706433 → 127.0.0.1), so the address check sees what a connection would dial.
 */
export async function checkTargetUrl(raw: string, rules: TargetRules): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidParameter(`Invalid webhook url '${raw}': it must be an absolute https:// URL.`);
  }
  if (url.protocol !== "https:" && !(rules.allowHttp && url.protocol === "http:")) {
    throw invalidParameter(
      `Invalid webhook url '${raw}': only https:// targets are allowed` +
        (url.protocol === "http:"
          ? " (an admin can allow http with FLOWGATE_WEBHOOK_ALLOW_HTTP=true)."
          : "."),
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw invalidParameter(
      "Invalid webhook url: credentials in the URL are not allowed; use the webhook secret.",
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0) {
    checkAddress(host, rules, host);
    return url;
  }
  if (!rules.allowPrivate && (host === "localhost" || host.endsWith(".localhost") || !host.includes("."))) {
    throw invalidParameter(`Invalid webhook url '${raw}': '${host}' is not a public host name.`);
  }
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch {
    throw invalidParameter(`Invalid webhook url '${raw}': host '${host}' does not resolve.`);
  }
  for (const a of addresses) checkAddress(a.address, rules, host);
  return url;
}
