// Refuses requests whose Host header names a host we do not serve: a web page on evil.example can make a
// browser talk to a server on localhost through DNS rebinding, but its requests carry `Host: evil.example`
// (hostile-inputs D.26, CVE-2025-14279). IP literals and localhost are always fine.
import { isIP } from "node:net";

export function createHostCheck(allowed: readonly string[]): (hostHeader: string | undefined) => boolean {
  const names = new Set(allowed.map((h) => h.toLowerCase()));
  if (names.has("*")) return () => true;
  return (hostHeader) => {
    if (hostHeader === undefined || hostHeader === "") return false;
    const host = hostHeader
      .toLowerCase()
      .replace(/:\d+$/, "")
      .replace(/^\[(.*)\]$/, "$1");
    return host === "localhost" || host.endsWith(".localhost") || isIP(host) !== 0 || names.has(host);
  };
}
