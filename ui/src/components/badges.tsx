// Small visual markers: run status, model stage, aliases, deprecation.

export function StatusBadge({ status }: { status: string | undefined }) {
  const s = status ?? "UNKNOWN";
  return <span className={`badge status-${s.toLowerCase()}`}>{s.toLowerCase()}</span>;
}

export function StageBadge({ stage }: { stage: string | undefined }) {
  const s = stage ?? "None";
  return <span className={`badge stage-${s.toLowerCase()}`}>{s}</span>;
}

export function AliasChip({ alias }: { alias: string }) {
  return (
    <span className="chip" title={`alias @${alias}`}>
      @{alias}
    </span>
  );
}

/** Deprecated / sunset markers from the house tag keys `deprecated` and `sunset_on`. */
export function LifecycleBadges({ tags }: { tags: { key: string; value: string }[] | undefined }) {
  const deprecated = tags?.find((t) => t.key === "deprecated")?.value;
  const sunset = tags?.find((t) => t.key === "sunset_on")?.value;
  const past = sunset !== undefined && !Number.isNaN(Date.parse(sunset)) && Date.parse(sunset) < Date.now();
  return (
    <>
      {deprecated !== undefined && isDeprecated(tags) && (
        <span className="badge warn" title={deprecated === "true" ? "deprecated" : deprecated}>
          deprecated
        </span>
      )}
      {sunset !== undefined && (
        <span className={`badge ${past ? "danger" : "warn"}`} title={`sunset on ${sunset}`}>
          {past ? "past sunset" : "sunset"} {sunset}
        </span>
      )}
    </>
  );
}

/** A model's or version's tags as chips, without system tags (mlflow.*, flowgate.*) and keys shown elsewhere. */
export function TagList({
  tags,
  hide = [],
}: {
  tags: { key: string; value: string }[] | undefined;
  hide?: string[];
}) {
  return (
    <>
      {(tags ?? [])
        .filter(
          (t) => !t.key.startsWith("mlflow.") && !t.key.startsWith("flowgate.") && !hide.includes(t.key),
        )
        .map((t) => (
          <span key={t.key} className="tag">
            {t.key}={t.value}
          </span>
        ))}
    </>
  );
}

/** Whether the house tag `deprecated` marks this model or version (any value but "false"). */
export function isDeprecated(tags: { key: string; value: string }[] | undefined): boolean {
  const value = tags?.find((t) => t.key === "deprecated")?.value;
  return value !== undefined && value !== "false";
}

const PHASE_TONE: Record<string, string> = {
  Healthy: "ok",
  Successful: "ok",
  Progressing: "status-running",
  Running: "status-running",
  Paused: "warn",
  Inconclusive: "warn",
};

/**
 * A rollout's phase, an analysis' or a measurement's (Argo's words): healthy/successful green,
 * progressing/running blue, paused/inconclusive amber, degraded/aborted/failed/error red.
 */
export function PhaseBadge({ phase }: { phase: string }) {
  return <span className={`badge ${PHASE_TONE[phase] ?? "danger"}`}>{phase}</span>;
}
