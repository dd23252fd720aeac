// The `shadow` gate: a version may be promoted only after it ran long enough as a shadow, on enough requests,
// agreeing with the primary, failing rarely and answering fast enough. Judged from the recorded comparison
// (shadow-record.ts); too little of it is a failure that says what is missing, never a pass.
import type { GateResult } from "./evaluate-gate.js";
import type { GateSpec, ShadowRequirement } from "./gate-spec.js";
import type { ShadowRecord } from "./shadow-record.js";

type ShadowGate = Extract<GateSpec, { type: "shadow" }>;

const HOUR_MS = 3_600_000;

/** How far back the record is read: twice the required period, so a long-running shadow shows its full span. */
export function shadowLookbackMs(r: ShadowRequirement): number {
  return Math.max(2 * r.minHours, 1) * HOUR_MS;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function hours(h: number): string {
  return `${Number.isInteger(h) ? String(h) : h.toFixed(1)} h`;
}

function ratio(n: number): string {
  return String(Number(n.toPrecision(3)));
}

export function evaluateShadowGate(gate: ShadowGate, record: ShadowRecord): GateResult {
  const shadowedHours =
    record.firstAt === undefined || record.lastAt === undefined
      ? 0
      : (record.lastAt - record.firstAt) / HOUR_MS;
  // Rounded down, so a period just short of the requirement never reads as meeting it.
  const shown = hours(Math.floor(shadowedHours * 10) / 10);
  const agreement = record.compared > 0 ? record.agreed / record.compared : undefined;
  const errorRate = record.requests > 0 ? record.errors / record.requests : undefined;
  const inputs: Record<string, unknown> = {
    scope: record.scope,
    deployments: record.deployments,
    from: record.fromMs,
    to: record.toMs,
    windows: record.windows,
    first_at: record.firstAt,
    last_at: record.lastAt,
    hours: Number(shadowedHours.toFixed(3)),
    requests: record.requests,
    compared: record.compared,
    agreed: record.agreed,
    agreement,
    errors: record.errors,
    error_rate: errorRate,
    dropped: record.dropped,
    p99_ms: record.p99Ms,
    min_hours: gate.minHours,
    min_requests: gate.minRequests,
    min_agreement: gate.minAgreement,
    max_error_rate: gate.maxErrorRate,
    max_p99_ms: gate.maxP99Ms,
  };
  const result = (passed: boolean, message: string): GateResult => ({
    gate: gate.name,
    type: gate.type,
    passed,
    message,
    inputs,
  });
  if (record.unavailable !== undefined) {
    return result(false, `no shadow record to judge version ${record.version} by: ${record.unavailable}`);
  }
  const period = `in the last ${hours(shadowLookbackMs(gate) / HOUR_MS)}`;
  const amount = `shadowed ${shown} of ${hours(gate.minHours)}, ${count(record.requests)} of ${count(gate.minRequests)} requests`;
  if (record.windows === 0) {
    return result(
      false,
      `version ${record.version} was not shadowed in ${record.scope} ${period}: ${amount}`,
    );
  }
  const problems: string[] = [];
  const met: string[] = [];
  if (shadowedHours < gate.minHours || record.requests < gate.minRequests) problems.push(amount);
  if (gate.minAgreement !== undefined) {
    if (agreement === undefined) {
      problems.push("no shadow answer could be compared with the primary's, so its agreement is unknown");
    } else if (agreement < gate.minAgreement) {
      problems.push(
        `agreement ${ratio(agreement)} is below ${ratio(gate.minAgreement)} (${count(record.agreed)} of ${count(record.compared)} compared answers agreed)`,
      );
    } else met.push(`agreement ${ratio(agreement)} >= ${ratio(gate.minAgreement)}`);
  }
  if (gate.maxErrorRate !== undefined && errorRate !== undefined) {
    if (errorRate > gate.maxErrorRate) {
      problems.push(
        `error rate ${ratio(errorRate)} exceeds ${ratio(gate.maxErrorRate)} (${count(record.errors)} errors in ${count(record.requests)} requests)`,
      );
    } else met.push(`error rate ${ratio(errorRate)} <= ${ratio(gate.maxErrorRate)}`);
  }
  if (gate.maxP99Ms !== undefined && record.p99Ms !== undefined) {
    if (record.p99Ms > gate.maxP99Ms) {
      problems.push(
        `p99 latency ${ratio(record.p99Ms)} ms exceeds ${ratio(gate.maxP99Ms)} ms by ${ratio(record.p99Ms - gate.maxP99Ms)} ms`,
      );
    } else met.push(`p99 latency ${ratio(record.p99Ms)} ms <= ${ratio(gate.maxP99Ms)} ms`);
  }
  const where = `in ${record.deployments.map((d) => `'${d}'`).join(", ")}`;
  if (problems.length > 0) {
    return result(false, `version ${record.version} ${where} ${period}: ${problems.join("; ")}`);
  }
  return result(
    true,
    `version ${record.version} shadowed ${shown} on ${count(record.requests)} requests ${where}` +
      (met.length > 0 ? `: ${met.join(", ")}` : ""),
  );
}
