// MLflow's UI routes its pages in the URL hash (`/#/experiments/1/runs/<id>`), and every mlflow client prints
// such a link after a run ("View run at …"). These translate each of MLflow's routes (its
// experiment-tracking/routes.ts and model-registry/routes.ts) to the Flowgate page that shows the same thing,
// so a link from a notebook, a CI log or a bookmark made against `mlflow server` opens the right page here.

/** MLflow puts JSON arrays in its query strings: `runs=["a","b"]`. A bare comma list is accepted too. */
function jsonList(value: string | null): string[] {
  if (value === null || value === "") return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed.map(String).filter((s) => s !== "");
    if (typeof parsed === "string" || typeof parsed === "number") return [String(parsed)];
  } catch {
    /* not JSON: a comma list */
  }
  return value.split(",").filter((s) => s !== "");
}

/** A JSON-quoted string (`name="fraud"`) as MLflow writes model names, or the value as typed. */
function jsonString(value: string | null): string {
  if (value === null) return "";
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === "string") return parsed;
  } catch {
    /* as typed */
  }
  return value;
}

const enc = encodeURIComponent;

function decodeSegments(path: string): string[] {
  return path
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

function compare(runs: string[], fallback: string): string {
  if (runs.length === 1) return `/runs/${enc(runs[0] ?? "")}`;
  if (runs.length > 1) return `/compare?runs=${runs.map(enc).join(",")}`;
  return fallback;
}

/**
 * The Flowgate path (with query) for an MLflow UI hash such as `#/experiments/1/runs/abc`, or undefined when
 * the hash is not an MLflow route (an in-page anchor like `#main`).
 */
export function flowgatePathForMlflowHash(hash: string): string | undefined {
  const text = hash.replace(/^#/, "");
  if (!text.startsWith("/")) return undefined;
  const q = text.indexOf("?");
  const path = q < 0 ? text : text.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : text.slice(q + 1));
  const s = decodeSegments(path);
  const [first, second, third, fourth] = s;

  if (first === undefined) return "/experiments";
  if (first === "experiments") {
    if (second === undefined) return "/experiments";
    if (third === "runs" && fourth !== undefined) {
      // `/runs/<id>/artifacts/<path>` and the older `/artifactPath/<path>` open the run at that artifact.
      const [tab, ...rest] = s.slice(4);
      if ((tab === "artifacts" || tab === "artifactPath") && rest.length > 0)
        return `/runs/${enc(fourth)}?artifact=${enc(rest.join("/"))}`;
      return `/runs/${enc(fourth)}`;
    }
    // The runs tab (and the older `/s` search route) carries a filter as `searchFilter`.
    const filter = query.get("searchFilter");
    return `/experiments/${enc(second)}${filter ? `?filter=${enc(filter)}` : ""}`;
  }
  if (first === "runs" && second !== undefined) return `/runs/${enc(second)}`;
  if (first === "compare-runs" || first === "metric")
    return compare(jsonList(query.get("runs")), "/experiments");
  if (first === "compare-experiments") {
    const ids = jsonList(query.get("experiments"));
    return ids.length === 1 ? `/experiments/${enc(ids[0] ?? "")}` : "/experiments";
  }
  if (first === "models") {
    if (second === undefined) return "/models";
    if (third === "versions" && fourth !== undefined) return `/models/${enc(second)}/versions/${enc(fourth)}`;
    return `/models/${enc(second)}`;
  }
  if (first === "compare-model-versions") {
    const name = jsonString(query.get("name"));
    return name ? `/models/${enc(name)}` : "/models";
  }
  if (first === "createModel") return "/models";
  // Any other MLflow page (prompts, settings, traces): the path as is, which shows "Page not found" here.
  return `/${s.map(enc).join("/")}`;
}

/** Replaces an MLflow hash route in the address bar by the Flowgate page (no extra history entry). */
export function followMlflowHash(): boolean {
  const to = flowgatePathForMlflowHash(window.location.hash);
  if (to === undefined) return false;
  window.history.replaceState(null, "", to);
  window.dispatchEvent(new Event("flowgate-navigate"));
  return true;
}
