// The deployment spec from a terminal: a spec file (-f, YAML or JSON) and the flags that write the common
// parts of it (--primary, --canary with --steps "10,pause:5m,50,pause,100", --shadow 4:20, --ab, --blue-green,
// --policy-file, --warm). Pure, except for reading the files named; the server validates the result.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { invalidParameter } from "../../core/errors.js";
import type {
  CanaryStep,
  DeploymentPolicy,
  DeploymentSpec,
  StickyKey,
  Strategy,
} from "../../delivery/deployment.js";

/** What commander hands over for the spec flags (all optional). */
export interface SpecFlags {
  file?: string;
  model?: string;
  primary?: string;
  canary?: string;
  steps?: string;
  maxWeight?: string;
  analysis?: string;
  ab?: string;
  sticky?: string;
  blueGreen?: string;
  autoPromote?: boolean;
  shadow?: string | false;
  /** `--no-strategy` makes this false (commander defaults a lone --no- flag to true). */
  strategy?: boolean;
  policyFile?: string;
  warm?: string;
  trackAlias?: string;
}

/** Reads a YAML or JSON document (JSON is YAML), naming the file in a one-line error. */
export function readDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw invalidParameter(`Cannot read '${file}': ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    const first = ((err as Error).message.split("\n")[0] ?? "").trim();
    throw invalidParameter(`'${file}' is not valid YAML or JSON: ${first}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function percent(raw: string, what: string): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < 0 || n > 100) {
    throw invalidParameter(`${what} must be a percentage from 0 to 100, not '${raw}'.`);
  }
  return n;
}

const STEPS_HELP =
  'steps are a comma-separated list of weights (10), pauses (pause = until promoted, pause:5m) and analyses (analysis:error-rate+latency), e.g. "10,pause:5m,50,pause,100"';

/** "10,pause:5m,50,pause,analysis:error-rate,100" → Argo-style canary steps. */
export function parseSteps(raw: string): CanaryStep[] {
  const steps = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (steps.length === 0) throw invalidParameter(`--steps is empty: ${STEPS_HELP}.`);
  return steps.map((step): CanaryStep => {
    if (/^\d+(\.\d+)?%?$/.test(step)) return { setWeight: percent(step.replace(/%$/, ""), "A step weight") };
    if (step === "pause") return { pause: {} };
    const pause = /^pause:(\d+[smhd]?)$/.exec(step);
    if (pause !== null) {
      const duration = pause[1] as string;
      return { pause: { duration: /^\d+$/.test(duration) ? Number(duration) : duration } };
    }
    const analysis = /^analysis:(.+)$/.exec(step);
    if (analysis !== null) return { analysis: { templates: (analysis[1] as string).split("+") } };
    throw invalidParameter(`Invalid step '${step}': ${STEPS_HELP}.`);
  });
}

/** "4" or "4:20" → shadow version 4 at 100% or 20% of requests. */
export function parseShadow(raw: string): { version: string; percent: number } {
  const [version = "", pct] = raw.split(":");
  if (version === "")
    throw invalidParameter(`Invalid --shadow '${raw}': use <version>[:<percent>], e.g. 4:20.`);
  return { version, percent: pct === undefined ? 100 : percent(pct, "The shadow percentage") };
}

/** "3:50,4:50" → the A/B split. */
export function parseSplit(raw: string): { version: string; weight: number }[] {
  return raw.split(",").map((part) => {
    const m = /^\s*([^:\s]+):(\S+)\s*$/.exec(part);
    if (m === null)
      throw invalidParameter(`Invalid --ab part '${part}': use <version>:<weight>,…, e.g. 3:50,4:50.`);
    return { version: m[1] as string, weight: percent(m[2] as string, "An A/B weight") };
  });
}

/** "header:x-user-id", "query:user", "json:customer.id" or "cookie:uid" → where the sticky key comes from. */
export function parseSticky(raw: string): StickyKey {
  const m = /^(header|query|json|cookie):(.+)$/.exec(raw);
  if (m === null) {
    throw invalidParameter(
      `Invalid --sticky '${raw}': use header:<name>, query:<name>, json:<field> or cookie:<name>.`,
    );
  }
  const key = m[2] as string;
  if (m[1] === "header") return { header: key };
  if (m[1] === "query") return { query: key };
  if (m[1] === "json") return { jsonField: key };
  return { cookie: key };
}

function count(raw: string, what: string): number {
  if (!/^\d+$/.test(raw)) throw invalidParameter(`${what} must be a non-negative integer, not '${raw}'.`);
  return Number(raw);
}

/** A policy file is a DeploymentPolicy ({values, schema?, decision?}), or bare values that keep the rest. */
function policyFrom(file: string, current: DeploymentPolicy | undefined): DeploymentPolicy {
  const doc = readDocument(file);
  if (!isRecord(doc))
    throw invalidParameter(`'${file}' must hold a mapping: {values, schema?, decision?} or the values.`);
  if ("values" in doc) return doc as unknown as DeploymentPolicy;
  return { ...current, values: doc };
}

function strategyFrom(flags: SpecFlags): Strategy | undefined {
  const given = [flags.canary, flags.ab, flags.blueGreen].filter((f) => f !== undefined);
  if (given.length > 1) throw invalidParameter("Give at most one of --canary, --ab and --blue-green.");
  if (flags.steps !== undefined && flags.canary === undefined) {
    throw invalidParameter("--steps needs --canary <version> (the version being ramped up).");
  }
  if (flags.sticky !== undefined && flags.ab === undefined) {
    throw invalidParameter("--sticky needs --ab <version:weight,…>.");
  }
  if (flags.canary !== undefined) {
    const analysis = flags.analysis?.split("+").filter((t) => t !== "");
    return {
      canary: {
        version: flags.canary,
        steps: parseSteps(flags.steps ?? "100"),
        ...(flags.maxWeight === undefined ? {} : { maxWeight: percent(flags.maxWeight, "--max-weight") }),
        ...(analysis === undefined || analysis.length === 0 ? {} : { analysis: { templates: analysis } }),
      },
    };
  }
  if (flags.ab !== undefined) {
    return {
      abTest: {
        split: parseSplit(flags.ab),
        ...(flags.sticky === undefined ? {} : { sticky: parseSticky(flags.sticky) }),
      },
    };
  }
  if (flags.blueGreen !== undefined) {
    return {
      blueGreen: {
        previewVersion: flags.blueGreen,
        ...(flags.autoPromote === true ? { autoPromotion: true } : {}),
      },
    };
  }
  return undefined;
}

/**
 * The spec the flags describe: the file's (or `base`, the current spec for `set`), with each flag given
 * written over it. `name` is the deployment's name from the command line.
 */
export function specFromFlags(
  name: string | undefined,
  flags: SpecFlags,
  base?: DeploymentSpec,
): DeploymentSpec {
  let spec: Partial<DeploymentSpec> = structuredClone(base ?? {});
  if (flags.file !== undefined) {
    const doc = readDocument(flags.file);
    if (!isRecord(doc)) throw invalidParameter(`'${flags.file}' must hold a deployment spec (a mapping).`);
    spec = doc;
  }
  if (name !== undefined) {
    if (spec.name !== undefined && spec.name !== name) {
      throw invalidParameter(`The spec names deployment '${spec.name}', not '${name}': give one name.`);
    }
    spec.name = name;
  }
  if (flags.model !== undefined) spec.model = flags.model;
  if (flags.primary !== undefined) spec.primary = flags.primary;
  if (flags.trackAlias !== undefined) spec.track = { alias: flags.trackAlias };
  if (flags.shadow === false) delete spec.shadow;
  else if (flags.shadow !== undefined) spec.shadow = parseShadow(flags.shadow);
  if (flags.strategy === false) delete spec.strategy;
  const strategy = strategyFrom(flags);
  if (strategy !== undefined) spec.strategy = strategy;
  if (flags.warm !== undefined) spec.warm = count(flags.warm, "--warm");
  if (flags.policyFile !== undefined) spec.policy = policyFrom(flags.policyFile, spec.policy);
  const missing = (["name", "model", "primary"] as const).filter(
    (k) => spec[k] === undefined || spec[k] === "",
  );
  if (missing.length > 0) {
    const how = { name: "the <name> argument", model: "--model", primary: "--primary" };
    throw invalidParameter(
      `A deployment needs ${missing.join(", ")}: give ${missing.map((k) => how[k]).join(", ")} or a spec file (-f).`,
    );
  }
  return spec as DeploymentSpec;
}
