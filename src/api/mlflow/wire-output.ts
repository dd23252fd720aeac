// Writing MLflow response fields. The client parses responses with protobuf's ParseDict, which rejects a
// wrong JSON type: ids and versions go out as strings, and non-finite doubles as "NaN"/"Infinity".

export function wireDouble(value: number): number | string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return value;
}

export function wireTags(tags: Record<string, string>): Array<{ key: string; value: string }> {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** Drops undefined and null fields: protobuf-JSON leaves unset fields out. */
export function compact<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(obj).filter(([, v]) => v !== undefined && v !== null),
  ) as Partial<T>;
}

/**
 * As MLflow's protobuf-JSON writes a message: unset fields and empty repeated fields are left out, while a
 * string field MLflow always sets goes out even when empty (pass `""` for it, not null).
 */
export function protoMessage<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(obj).filter(
      ([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0),
    ),
  ) as Partial<T>;
}
