// Governance records that name a registered model by name — its promotion policy, transition requests, gate
// evaluations and latency measurements — kept with the model through the registry's own transactions: a
// rename carries them to the new name (a protected model stays protected, a pending request stays on its
// model), and a delete drops them, cancelling pending requests, so a later model that takes the name starts
// with nothing: no inherited policy, no approval to apply, no measured latency of files it does not have.
import type { Executor } from "../store/database.js";

const BY_NAME = ["promotion_policies", "gate_evaluations", "latency_measurements"] as const;

export async function renameModelRecords(
  trx: Executor,
  from: string,
  to: string,
  now: number,
): Promise<void> {
  if (from === to) return;
  // No model has the new name (the registry checked): whatever is still filed under it belonged to a model
  // deleted before these records were kept with their model, and must not attach to this one.
  await deleteModelRecords(trx, to, now);
  for (const table of BY_NAME) {
    await trx.updateTable(table).set({ model_name: to }).where("model_name", "=", from).execute();
  }
  await trx
    .updateTable("transition_requests")
    .set({ model_name: to })
    .where("model_name", "=", from)
    .execute();
}

export async function deleteModelRecords(trx: Executor, name: string, now: number): Promise<void> {
  for (const table of BY_NAME) await trx.deleteFrom(table).where("model_name", "=", name).execute();
  await trx
    .updateTable("transition_requests")
    .set({
      status: "cancelled",
      decided_by: "system",
      decided_at: now,
      decision_comment: "The registered model was deleted.",
    })
    .where("model_name", "=", name)
    .where("status", "=", "pending")
    .execute();
}
