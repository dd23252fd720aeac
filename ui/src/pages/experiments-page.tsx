// Experiments list: every active experiment with its creation time, linked to its runs.
import { mlflow } from "../api/client";
import type { Experiment } from "../api/mlflow-types";
import { Async, CodeHint, Empty } from "../components/states";
import { formatTime } from "../lib/format";
import { Link, pathOf } from "../lib/router";
import { useAsync } from "../lib/use-async";

interface ExperimentList {
  experiments: Experiment[];
  /** Whether any listed experiment has a run: only asked when the list is the Default experiment alone. */
  anyRuns: boolean;
}

async function loadExperiments(): Promise<ExperimentList> {
  const all: Experiment[] = [];
  let token: string | undefined;
  do {
    const page = await mlflow.post<{ experiments?: Experiment[]; next_page_token?: string }>(
      "experiments/search",
      { max_results: 1000, order_by: ["last_update_time DESC"], view_type: "ACTIVE_ONLY", page_token: token },
    );
    all.push(...(page.experiments ?? []));
    token = page.next_page_token || undefined;
  } while (token && all.length < 10000);
  // A fresh server has only "Default"; runs logged without set_experiment land in it, so look before saying empty.
  const only = all.length === 1 ? all[0] : undefined;
  const anyRuns =
    all.length > 1 ||
    (only !== undefined &&
      ((
        await mlflow.post<{ runs?: unknown[] }>("runs/search", {
          experiment_ids: [only.experiment_id],
          max_results: 1,
          run_view_type: "ALL",
        })
      ).runs?.length ?? 0) > 0);
  return { experiments: all, anyRuns };
}

export function ExperimentsPage() {
  const state = useAsync(loadExperiments, []);
  return (
    <section aria-labelledby="h-experiments">
      <h1 id="h-experiments">Experiments</h1>
      <Async state={state} what="Experiments">
        {({ experiments, anyRuns }) => {
          // No run anywhere yet: tell a new user how to get data in.
          if (!anyRuns)
            return (
              <>
                {experiments.length === 1 && <ExperimentTable experiments={experiments} />}
                <Empty title="No experiments with runs yet.">
                  <p>Log your first run from Python, pointing the mlflow client at this server:</p>
                  <CodeHint>{`export MLFLOW_TRACKING_URI=${window.location.origin}
python -c "import mlflow; mlflow.set_experiment('demo'); mlflow.start_run(); mlflow.log_metric('rmse', 0.78)"`}</CodeHint>
                  <p>
                    Or load the demo data:{" "}
                    <code>.venvs/mlflow3/bin/python scripts/demo_seed.py {window.location.origin}</code>
                  </p>
                </Empty>
              </>
            );
          return <ExperimentTable experiments={experiments} />;
        }}
      </Async>
    </section>
  );
}

function ExperimentTable({ experiments }: { experiments: Experiment[] }) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">ID</th>
          <th scope="col">Created</th>
          <th scope="col">Last updated</th>
          <th scope="col">Artifact location</th>
        </tr>
      </thead>
      <tbody>
        {experiments.map((e) => (
          <tr key={e.experiment_id}>
            <td>
              <Link to={pathOf("experiments", e.experiment_id)}>{e.name}</Link>
            </td>
            <td className="mono">{e.experiment_id}</td>
            <td>{formatTime(e.creation_time)}</td>
            <td>{formatTime(e.last_update_time)}</td>
            <td className="mono muted">{e.artifact_location}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
