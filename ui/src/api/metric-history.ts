// A metric's full history for one run (following page tokens, as the mlflow client does).
import { mlflow } from "./client";
import { num, type Metric } from "./mlflow-types";

export async function loadMetricHistory(runId: string, key: string): Promise<{ x: number; y: number }[]> {
  const points: { x: number; y: number }[] = [];
  let token: string | undefined;
  do {
    const page = await mlflow.get<{ metrics?: Metric[]; next_page_token?: string }>("metrics/get-history", {
      run_id: runId,
      metric_key: key,
      max_results: 25000,
      page_token: token,
    });
    for (const m of page.metrics ?? []) points.push({ x: num(m.step ?? 0), y: num(m.value) });
    token = page.next_page_token || undefined;
  } while (token);
  return points;
}
