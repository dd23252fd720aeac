// Parsing a deployment document: every field checked, unknown fields refused, messages that name the field
// and say what is allowed. Version references stay as written here ("3", "@champion", "stage:Production");
// spec-resolution.ts pins them to numbers against the registry when the spec is written.
import type {
  AbTestStrategy,
  BlueGreenStrategy,
  CanaryStep,
  CanaryStrategy,
  DeploymentSpec,
  StickyKey,
  Strategy,
} from "./deployment.js";
import { parseAnalysisTemplates } from "./analysis-template-spec.js";
import { parsePolicy } from "./policy-spec.js";
import { parseMonitoringSpec } from "./monitoring-spec.js";
import {
  aliasAt,
  arrayAt,
  booleanAt,
  durationAt,
  headerNameAt,
  integerAt,
  nameAt,
  objectAt,
  oneOfAt,
  refuse,
  stringAt,
  versionRefAt,
  type Fields,
} from "./spec-values.js";

export const DEFAULT_WARM = 2;
export const DEFAULT_PREVIEW_HEADER = "x-flowgate-preview";
export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;

const SPEC_FIELDS = [
  "name",
  "model",
  "primary",
  "track",
  "shadow",
  "strategy",
  "analysisTemplates",
  "warm",
  "policy",
  "monitoring",
] as const;

function weightAt(field: string, v: unknown): number {
  return integerAt(field, v, 0, 100);
}

function templatesAt(field: string, v: unknown, known: ReadonlySet<string>): string[] {
  const names = arrayAt(field, v, 1, 20).map((t, i) => stringAt(`${field}[${i}]`, t, 100));
  for (const [i, n] of names.entries()) {
    if (!known.has(n)) {
      const have = known.size === 0 ? "the spec has none" : `the spec has ${[...known].join(", ")}`;
      throw refuse(
        `${field}[${i}]`,
        `names analysis template '${n}', which spec.analysisTemplates does not define (${have})`,
      );
    }
  }
  return names;
}

function stepAt(field: string, v: unknown, known: ReadonlySet<string>, maxWeight: number): CanaryStep {
  const [kind, body] = oneOfAt(field, v, ["setWeight", "pause", "analysis"]);
  if (kind === "setWeight") {
    const w = weightAt(`${field}.setWeight`, body);
    if (w > maxWeight) throw refuse(`${field}.setWeight`, `must be at most maxWeight (${maxWeight})`, w);
    return { setWeight: w };
  }
  if (kind === "pause") {
    const o = objectAt(`${field}.pause`, body, ["duration"]);
    return {
      pause: o.duration === undefined ? {} : { duration: durationAt(`${field}.pause.duration`, o.duration) },
    };
  }
  const o = objectAt(`${field}.analysis`, body, ["templates"], ["templates"]);
  return { analysis: { templates: templatesAt(`${field}.analysis.templates`, o.templates, known) } };
}

function canaryAt(field: string, v: unknown, known: ReadonlySet<string>): CanaryStrategy {
  const o = objectAt(
    field,
    v,
    ["version", "steps", "maxWeight", "analysis", "promoteAlias"],
    ["version", "steps"],
  );
  const maxWeight = o.maxWeight === undefined ? 100 : integerAt(`${field}.maxWeight`, o.maxWeight, 1, 100);
  const steps = arrayAt(`${field}.steps`, o.steps, 1, 100).map((s, i) =>
    stepAt(`${field}.steps[${i}]`, s, known, maxWeight),
  );
  const canary: CanaryStrategy = { version: versionRefAt(`${field}.version`, o.version), steps };
  if (o.maxWeight !== undefined) canary.maxWeight = maxWeight;
  if (o.analysis !== undefined) {
    const a = objectAt(`${field}.analysis`, o.analysis, ["templates", "startingStep"], ["templates"]);
    canary.analysis = {
      templates: templatesAt(`${field}.analysis.templates`, a.templates, known),
      ...(a.startingStep !== undefined
        ? { startingStep: integerAt(`${field}.analysis.startingStep`, a.startingStep, 0, steps.length - 1) }
        : {}),
    };
  }
  if (o.promoteAlias !== undefined) canary.promoteAlias = aliasAt(`${field}.promoteAlias`, o.promoteAlias);
  return canary;
}

function stickyAt(field: string, v: unknown): StickyKey {
  const [kind, body] = oneOfAt(field, v, ["header", "query", "jsonField", "cookie"]);
  const at = `${field}.${kind}`;
  switch (kind) {
    case "header":
      return { header: headerNameAt(at, body) };
    case "cookie":
      return { cookie: headerNameAt(at, body) };
    case "query":
      return { query: stringAt(at, body, 128) };
    default: {
      const path = stringAt(at, body, 256);
      if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) {
        throw refuse(at, 'must be a field name or a dotted path such as "customer.id"', path);
      }
      return { jsonField: path };
    }
  }
}

function abTestAt(field: string, v: unknown): AbTestStrategy {
  const o = objectAt(field, v, ["split", "sticky", "iterations", "duration"], ["split"]);
  const split = arrayAt(`${field}.split`, o.split, 2, 10).map((e, i) => {
    const at = `${field}.split[${i}]`;
    const s = objectAt(at, e, ["version", "weight"], ["version", "weight"]);
    return { version: versionRefAt(`${at}.version`, s.version), weight: weightAt(`${at}.weight`, s.weight) };
  });
  const sum = split.reduce((acc, s) => acc + s.weight, 0);
  if (sum !== 100) throw refuse(`${field}.split`, "weights must sum to 100", sum);
  const ab: AbTestStrategy = { split };
  if (o.sticky !== undefined) ab.sticky = stickyAt(`${field}.sticky`, o.sticky);
  if (o.iterations !== undefined)
    ab.iterations = integerAt(`${field}.iterations`, o.iterations, 1, 1_000_000_000);
  if (o.duration !== undefined) ab.duration = durationAt(`${field}.duration`, o.duration);
  return ab;
}

function blueGreenAt(field: string, v: unknown): BlueGreenStrategy {
  const o = objectAt(
    field,
    v,
    ["previewVersion", "previewHeader", "autoPromotion", "autoPromotionSeconds", "scaleDownDelaySeconds"],
    ["previewVersion"],
  );
  const bg: BlueGreenStrategy = { previewVersion: versionRefAt(`${field}.previewVersion`, o.previewVersion) };
  if (o.previewHeader !== undefined)
    bg.previewHeader = headerNameAt(`${field}.previewHeader`, o.previewHeader);
  if (o.autoPromotion !== undefined) bg.autoPromotion = booleanAt(`${field}.autoPromotion`, o.autoPromotion);
  if (o.autoPromotionSeconds !== undefined) {
    bg.autoPromotionSeconds = integerAt(
      `${field}.autoPromotionSeconds`,
      o.autoPromotionSeconds,
      0,
      30 * 86_400,
    );
  }
  if (o.scaleDownDelaySeconds !== undefined) {
    bg.scaleDownDelaySeconds = integerAt(
      `${field}.scaleDownDelaySeconds`,
      o.scaleDownDelaySeconds,
      0,
      86_400,
    );
  }
  return bg;
}

function strategyAt(field: string, v: unknown, known: ReadonlySet<string>): Strategy {
  const [kind, body] = oneOfAt(field, v, ["canary", "abTest", "blueGreen"]);
  if (kind === "canary") return { canary: canaryAt(`${field}.canary`, body, known) };
  if (kind === "abTest") return { abTest: abTestAt(`${field}.abTest`, body) };
  return { blueGreen: blueGreenAt(`${field}.blueGreen`, body) };
}

/** The versions a strategy gives live traffic besides the primary, with the field that names each. */
function strategyVersions(strategy: Strategy): [string, string][] {
  if ("canary" in strategy) return [["spec.strategy.canary.version", strategy.canary.version]];
  if ("blueGreen" in strategy)
    return [["spec.strategy.blueGreen.previewVersion", strategy.blueGreen.previewVersion]];
  return strategy.abTest.split.map((s, i) => [`spec.strategy.abTest.split[${i}].version`, s.version]);
}

function checkDistinct(spec: DeploymentSpec): void {
  if (spec.strategy === undefined) return;
  const versions = strategyVersions(spec.strategy);
  if ("abTest" in spec.strategy) {
    const seen = new Set<string>();
    for (const [field, v] of versions) {
      if (seen.has(v)) throw refuse(field, `repeats version ${v}: each variant must be a different version`);
      seen.add(v);
    }
    return;
  }
  const [field, v] = versions[0]!;
  if (v === spec.primary) throw refuse(field, `must differ from spec.primary (both are ${v})`);
}

/** Parses and checks a deployment document (as JSON); throws INVALID_PARAMETER_VALUE naming the field. */
export function parseDeploymentSpec(raw: unknown): DeploymentSpec {
  const o: Fields = objectAt("spec", raw, SPEC_FIELDS, ["name", "model", "primary"]);
  const templates =
    o.analysisTemplates === undefined
      ? undefined
      : parseAnalysisTemplates("spec.analysisTemplates", o.analysisTemplates);
  const known = new Set((templates ?? []).map((t) => t.name));
  const spec: DeploymentSpec = {
    name: nameAt("spec.name", o.name),
    model: stringAt("spec.model", o.model, 256),
    primary: versionRefAt("spec.primary", o.primary),
  };
  if (o.track !== undefined) {
    const t = objectAt("spec.track", o.track, ["alias"], ["alias"]);
    spec.track = { alias: aliasAt("spec.track.alias", t.alias) };
  }
  if (o.shadow !== undefined) {
    const s = objectAt("spec.shadow", o.shadow, ["version", "percent"], ["version", "percent"]);
    spec.shadow = {
      version: versionRefAt("spec.shadow.version", s.version),
      percent: integerAt("spec.shadow.percent", s.percent, 1, 100),
    };
  }
  if (o.strategy !== undefined) spec.strategy = strategyAt("spec.strategy", o.strategy, known);
  if (templates !== undefined) spec.analysisTemplates = templates;
  if (o.warm !== undefined) spec.warm = integerAt("spec.warm", o.warm, 0, 5);
  if (o.policy !== undefined) spec.policy = parsePolicy("spec.policy", o.policy);
  if (o.monitoring !== undefined) spec.monitoring = parseMonitoringSpec("spec.monitoring", o.monitoring);
  if (
    spec.track !== undefined &&
    spec.strategy !== undefined &&
    !("canary" in spec.strategy) &&
    !("blueGreen" in spec.strategy)
  ) {
    throw refuse(
      "spec.track",
      "needs a canary or blueGreen strategy (or none) to roll out the alias' new version",
    );
  }
  checkDistinct(spec);
  return spec;
}

/** The versions a spec gives live traffic (primary first), as written. */
export function liveVersions(spec: DeploymentSpec): string[] {
  const extra = spec.strategy === undefined ? [] : strategyVersions(spec.strategy).map(([, v]) => v);
  return [...new Set([spec.primary, ...extra])];
}

/** Every field of a spec that names a version, with its value, so resolution can pin each one. */
export function versionFields(
  spec: DeploymentSpec,
): { field: string; value: string; set(v: string): void }[] {
  const out: { field: string; value: string; set(v: string): void }[] = [
    { field: "spec.primary", value: spec.primary, set: (v) => (spec.primary = v) },
  ];
  const shadow = spec.shadow;
  if (shadow !== undefined)
    out.push({ field: "spec.shadow.version", value: shadow.version, set: (v) => (shadow.version = v) });
  const s = spec.strategy;
  if (s !== undefined && "canary" in s) {
    out.push({
      field: "spec.strategy.canary.version",
      value: s.canary.version,
      set: (v) => (s.canary.version = v),
    });
  } else if (s !== undefined && "blueGreen" in s) {
    out.push({
      field: "spec.strategy.blueGreen.previewVersion",
      value: s.blueGreen.previewVersion,
      set: (v) => (s.blueGreen.previewVersion = v),
    });
  } else if (s !== undefined) {
    s.abTest.split.forEach((e, i) =>
      out.push({
        field: `spec.strategy.abTest.split[${i}].version`,
        value: e.version,
        set: (v) => (e.version = v),
      }),
    );
  }
  return out;
}

/** A spec with every version pinned: checks again what resolution may have changed (distinct versions). */
export function checkResolved(spec: DeploymentSpec): void {
  checkDistinct(spec);
}
