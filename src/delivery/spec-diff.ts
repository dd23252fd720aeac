// What changed between two revisions' specs, as JSON-pointer paths with the value before and after.
import type { DeploymentRevision } from "./deployment.js";

export type SpecDiff = DeploymentRevision["diff"];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

function walk(path: string, before: unknown, after: unknown, out: SpecDiff): void {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const k of keys) walk(pointer(path, k), before[k], after[k], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((b, i) => walk(pointer(path, i), b, after[i], out));
    return;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  out.push({
    path: path === "" ? "/" : path,
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
  });
}

/** The leaf changes from `before` to `after` (`before` undefined: everything is new). */
export function diffSpecs(before: unknown, after: unknown): SpecDiff {
  const out: SpecDiff = [];
  walk("", before ?? {}, after, out);
  return out;
}
