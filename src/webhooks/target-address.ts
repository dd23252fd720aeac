// SSRF rules for webhook targets (hostile-inputs C.23, MLflow CVE-2026-2393): https only, and no private,
// loopback, link-local or otherwise special addresses — unless the server admin allows them. Checked when a
// webhook is saved (URL and DNS), and again at connect time on the address actually dialled.
import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";
import { invalidParameter } from "../core/errors.js";

export interface TargetRules {
  allowHttp: boolean;
  allowPrivate: boolean;
}

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

const ipv4 = (high: number, low: number): IPv4 =>
  new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);

/**
 * The IPv4 addresses an IPv6 address carries, by the transition mechanism that would deliver it to them:
 * IPv4-mapped (`::ffff:0:0/96`), IPv4-compatible (`::/96`, deprecated but still dialled as IPv4 by some
 * stacks), IPv4-translated (`::ffff:0:0:0/96`), NAT64 (`64:ff9b::/96`), 6to4 (`2002::/16`, bits 16–47) and
 * Teredo (`2001::/32`: the server in bits 32–63, the client obfuscated in the last 32). `undefined` when the
 * address embeds none.
 */
function embeddedIpv4(address: IPv6): IPv4[] | undefined {
  const p = address.parts as [number, number, number, number, number, number, number, number];
  const last = ipv4(p[6], p[7]);
  if (p.slice(0, 6).every((x) => x === 0)) return [last];
  const range = address.range();
  if (range === "ipv4Mapped" || range === "rfc6145") return [last];
  // The well-known NAT64 /96 prefix embeds the address last; the local-use /48 (RFC 8215) embeds it at a
  // deployment-chosen length, so it cannot be decoded here and counts as special as a whole.
  if (range === "rfc6052") return p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0 ? [last] : undefined;
  if (range === "6to4") return [ipv4(p[1], p[2])];
  if (range === "teredo") return [ipv4(p[2], p[3]), ipv4(p[6] ^ 0xffff, p[7] ^ 0xffff)];
  return undefined;
}

/**
 * True for any address that is not plain global unicast: loopback, private, link-local, CGNAT, multicast,
 * documentation, reserved and unspecified (ipaddr.js's IANA special-purpose tables), including an IPv4
 * address of that kind embedded in an IPv6 one (`[::127.0.0.1]`, `[2002:7f00:1::]`…). Unparseable is special.
 */
export function isSpecialAddress(address: string): boolean {
  let parsed: IPv4 | IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return true;
  }
  if (parsed.kind() === "ipv4") return parsed.range() !== "unicast";
  const v6 = parsed as IPv6;
  const embedded = embeddedIpv4(v6);
  if (embedded !== undefined) return embedded.some((v4) => v4.range() !== "unicast");
  return v6.range() !== "unicast";
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
  if (ipaddr.isValid(host)) {
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
