// Evaluates one gate against a version's facts (and, for relative metric checks, the facts of the version
// that holds the target now). Every result says what was measured, what was needed and by how much it missed.
import type { PromotionTarget } from "../policies.js";
import { targetLabel } from "../policies.js";
import type { GateSpec } from "./gate-spec.js";
import { compare } from "./metric-check.js";
import type { VersionFacts } from "./version-facts.js";

export interface GateResult {
  gate: string;
  type: GateSpec["type"];
  passed: boolean;
  /** One sentence: the measured value, the requirement, and the shortfall when it failed. */
  message: string;
  inputs: Record<string, unknown>;
}

/** Calls an external check; resolves to its HTTP status and (bounded) body. */
export type ExternalCheck = (
  url: string,
  body: string,
  timeoutMs: number,
) => Promise<{ status: number | undefined; body: string; error: string | undefined }>;

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** Every gate but `shadow`, which reads the deployments' records (shadow-gate.ts). */
export async function evaluateGate(
  gate: Exclude<GateSpec, { type: "shadow" }>,
  facts: VersionFacts,
  target: PromotionTarget,
  holder: VersionFacts | undefined,
  external: ExternalCheck,
): Promise<GateResult> {
  const result = (passed: boolean, message: string, inputs: Record<string, unknown>): GateResult => ({
    gate: gate.name,
    type: gate.type,
    passed,
    message,
    inputs,
  });
  switch (gate.type) {
    case "metric": {
      const { metric, op, constant, reference } = gate.check;
      const value = facts.metrics[metric];
      if (value === undefined || Number.isNaN(value)) {
        return result(false, `metric '${metric}' is not logged on the run of version ${facts.version}`, {
          metric,
          run_id: facts.runId,
        });
      }
      let threshold = constant;
      const inputs: Record<string, unknown> = { metric, value, op };
      let basis = "";
      if (reference !== undefined) {
        if (holder === undefined) {
          return result(
            true,
            `no other version holds ${targetLabel(target)} yet, so there is nothing to compare ${metric} with`,
            inputs,
          );
        }
        const ref = holder.metrics[reference];
        if (ref === undefined || Number.isNaN(ref)) {
          return result(
            false,
            `version ${holder.version}, which holds ${targetLabel(target)}, has no metric '${reference}' to compare with`,
            {
              ...inputs,
              reference_version: holder.version,
            },
          );
        }
        threshold = ref + constant;
        inputs.reference_version = holder.version;
        inputs.reference_value = ref;
        basis = ` (version ${holder.version} in ${targetLabel(target)} has ${reference} = ${fmt(ref)}${constant === 0 ? "" : `, ${constant > 0 ? "+" : "-"} ${fmt(Math.abs(constant))}`})`;
      }
      inputs.threshold = threshold;
      const passed = compare(value, op, threshold);
      const gap = Math.abs(threshold - value);
      return result(
        passed,
        passed
          ? `${metric} = ${fmt(value)} meets ${op} ${fmt(threshold)}${basis}`
          : `${metric} = ${fmt(value)} but must be ${op} ${fmt(threshold)}${basis}: off by ${fmt(gap)}`,
        inputs,
      );
    }
    case "required_tags": {
      const missing = gate.tags.filter((t) => (facts.tags[t] ?? "") === "");
      return result(
        missing.length === 0,
        missing.length === 0
          ? `tags ${gate.tags.join(", ")} are set`
          : `missing version tag(s) ${missing.join(", ")} (set them with set_model_version_tag)`,
        { required: gate.tags, present: Object.keys(facts.tags).filter((t) => gate.tags.includes(t)) },
      );
    }
    case "signature":
      return result(
        facts.hasSignature === true,
        facts.hasSignature === true
          ? "the MLmodel has a signature"
          : facts.hasSignature === false
            ? "the MLmodel has no signature: log the model with a signature (infer_signature)"
            : "the version's MLmodel could not be read, so its signature is unknown",
        { has_signature: facts.hasSignature },
      );
    case "max_model_size": {
      const size = facts.sizeBytes;
      if (size === undefined) {
        return result(false, "the version's files could not be listed, so its size is unknown", {
          max_bytes: gate.maxBytes,
        });
      }
      return result(
        size <= gate.maxBytes,
        size <= gate.maxBytes
          ? `model size ${size} bytes is within ${gate.maxBytes}`
          : `model size ${size} bytes exceeds the limit ${gate.maxBytes} by ${size - gate.maxBytes} bytes`,
        { size_bytes: size, max_bytes: gate.maxBytes },
      );
    }
    case "max_latency": {
      const m = facts.latency;
      if (m === undefined) {
        return result(
          false,
          `no serving smoke benchmark of version ${facts.version} has run; ` +
            `run \`flowgate gates evaluate ${facts.name} ${facts.version} --${target.kind} ${target.name}\`, which runs one`,
          { p99_limit_ms: gate.p99Ms },
        );
      }
      if (!m.ok || m.p99Ms === undefined) {
        return result(
          false,
          `the serving smoke benchmark of version ${facts.version} could not run: ${m.message}`,
          {
            p99_limit_ms: gate.p99Ms,
          },
        );
      }
      const inputs = {
        p99_ms: m.p99Ms,
        p50_ms: m.p50Ms,
        p99_limit_ms: gate.p99Ms,
        requests: m.requests,
        runtime: m.runtime,
        measured_at: m.measuredAt,
      };
      const passed = m.p99Ms <= gate.p99Ms;
      const measured = `serving p99 latency ${fmt(m.p99Ms)} ms (p50 ${fmt(m.p50Ms ?? Number.NaN)} ms, ${m.requests} requests, runtime ${m.runtime ?? "?"})`;
      return result(
        passed,
        passed
          ? `${measured} is within ${fmt(gate.p99Ms)} ms`
          : `${measured} exceeds the limit ${fmt(gate.p99Ms)} ms by ${fmt(m.p99Ms - gate.p99Ms)} ms`,
        inputs,
      );
    }
    case "http": {
      const body = JSON.stringify({
        model: facts.name,
        version: String(facts.version),
        target: { kind: target.kind, name: target.name },
        metrics: facts.metrics,
        tags: facts.tags,
      });
      const res = await external(gate.url, body, gate.timeoutMs);
      let verdict: { passed?: unknown; message?: unknown } = {};
      try {
        verdict = JSON.parse(res.body) as typeof verdict;
      } catch {
        verdict = {};
      }
      const ok = res.status !== undefined && res.status >= 200 && res.status < 300 && verdict.passed === true;
      const said = typeof verdict.message === "string" ? `: ${verdict.message.slice(0, 300)}` : "";
      return result(
        ok,
        ok
          ? `external check ${gate.url} passed${said}`
          : `external check ${gate.url} did not pass (${res.error ?? `HTTP ${res.status ?? "?"}`}${verdict.passed === false ? ", passed=false" : ""})${said}`,
        { url: gate.url, status: res.status },
      );
    }
  }
}
