// Kubernetes names from Flowgate names: registered model names may hold capitals, spaces and '_', which no
// object name or label value may; the original name is kept in an annotation.
import { createHash } from "node:crypto";

/**
 * A DNS-1123 label (≤ `max` characters) for `name`: lowercase, runs of other characters become '-'. When that
 * changed the name or it is too long, a short hash of the original is appended so two names never collide.
 */
export function dnsLabel(name: string, max = 63): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug === name && slug.length <= max) return slug;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 6);
  const room = max - hash.length - 1;
  const head = slug.slice(0, room).replace(/-+$/, "");
  return head === "" ? `m-${hash}` : `${head}-${hash}`;
}

/** The app name the objects of a serving target share (suffixes like -routing keep within 63). */
export function appName(name: string): string {
  return dnsLabel(name, 50);
}

/** A default image reference for a model version: what `flowgate models build-docker` is told to tag. */
export function defaultModelImage(model: string, version: string): string {
  return `${dnsLabel(model)}:${/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version) ? version : "latest"}`;
}
