// Stored gate evaluations (version, gate, inputs, result, time, who asked): the record of every check a
// promotion went through, shown by the API and `flowgate gates evaluations`.
import type { Executor } from "../../store/database.js";
import type { GateResult } from "./evaluate-gate.js";

export interface StoredEvaluation extends GateResult {
  id: number;
  modelName: string;
  version: number;
  target: string;
  time: number;
  actor: string;
  requestId: string;
}

export interface GateEvaluationStore {
  insert(x: Executor, e: Omit<StoredEvaluation, "id">): Promise<void>;
  list(x: Executor, modelName: string, version: number, limit: number): Promise<StoredEvaluation[]>;
}

export function createSqlGateEvaluationStore(): GateEvaluationStore {
  return {
    async insert(x, e) {
      await x
        .insertInto("gate_evaluations")
        .values({
          model_name: e.modelName,
          version: e.version,
          target: e.target,
          gate: JSON.stringify({ name: e.gate, type: e.type }),
          inputs: JSON.stringify(e.inputs),
          passed: e.passed ? 1 : 0,
          message: e.message,
          time: e.time,
          actor: e.actor,
          request_id: e.requestId,
        })
        .execute();
    },
    async list(x, modelName, version, limit) {
      const rows = await x
        .selectFrom("gate_evaluations")
        .selectAll()
        .where("model_name", "=", modelName)
        .where("version", "=", version)
        .orderBy("id", "desc")
        .limit(limit)
        .execute();
      return rows.map((r) => {
        const gate = JSON.parse(r.gate) as { name: string; type: GateResult["type"] };
        return {
          id: Number(r.id),
          modelName: r.model_name,
          version: Number(r.version),
          target: r.target,
          gate: gate.name,
          type: gate.type,
          passed: Number(r.passed) === 1,
          message: r.message,
          inputs: JSON.parse(r.inputs) as Record<string, unknown>,
          time: Number(r.time),
          actor: r.actor,
          requestId: r.request_id,
        };
      });
    },
  };
}
