// Custom resources (KServe InferenceService, Argo Rollout and AnalysisTemplate) checked against the
// openAPIV3Schema of the CRD their project publishes (kept as data in ../shared/schemas, see its README).
// The API server prunes fields a structural schema does not declare, so a misspelt field would be dropped
// silently on apply; here it is an error: every object schema that lists its properties refuses others, unless
// it says x-kubernetes-preserve-unknown-fields.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { formats } from "@kubernetes-models/validate";
import { parse as parseYaml } from "yaml";
import { invalidParameter } from "../../core/errors.js";
import type { Manifest } from "./manifest.js";

/** The CRD file holding each custom kind's schema. */
const CRD_FILES: Record<string, string> = {
  "serving.kserve.io/InferenceService": "kserve-inferenceservice-crd.yaml",
  "argoproj.io/Rollout": "argo-rollout-crd.yaml",
  "argoproj.io/AnalysisTemplate": "argo-analysistemplate-crd.yaml",
};

/** ../shared/schemas beside the repository, unless FLOWGATE_CRD_SCHEMAS names another directory. */
export function defaultCrdSchemaDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOWGATE_CRD_SCHEMAS) return path.resolve(env.FLOWGATE_CRD_SCHEMAS);
  // src/deploy/validate and dist/deploy/validate are both three levels below the repository.
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
  return path.resolve(repo, "../shared/schemas");
}

interface CrdDocument {
  spec?: {
    group?: string;
    names?: { kind?: string };
    versions?: { name: string; schema?: { openAPIV3Schema?: Record<string, unknown> } }[];
  };
}

type Schema = Record<string, unknown>;

/** A copy of a structural schema in which listed properties are the only ones allowed (what apply keeps). */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema as Schema)) {
    out[k] =
      k === "properties"
        ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, strict(s)]))
        : strict(v);
  }
  if (
    out.properties !== undefined &&
    out.additionalProperties === undefined &&
    out["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/** Compiles each custom kind's schema on first use (the KServe one is 2 MB) and keeps it for the process. */
export class CrdSchemas {
  private readonly compiled = new Map<string, Promise<ValidateFunction>>();
  private readonly ajv: Ajv;

  constructor(private readonly dir: string = defaultCrdSchemaDir()) {
    // The CRDs are trusted data: skipping the meta-schema check and code optimisation makes compiling the 2 MB
    // KServe schema take ~1 s instead of ~6 s.
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      validateSchema: false,
      code: { optimize: false, lines: false },
    });
    for (const [name, format] of Object.entries(formats)) this.ajv.addFormat(name, format);
    // OpenAPI's integer widths are not JSON Schema formats; the type keyword already checks integers.
    for (const name of ["int32", "int64", "double", "float"]) this.ajv.addFormat(name, true);
  }

  /** The schemas from the default directory, or null when this installation has none (custom kinds unchecked). */
  static ifPresent(): CrdSchemas | null {
    const dir = defaultCrdSchemaDir();
    return existsSync(path.join(dir, CRD_FILES["serving.kserve.io/InferenceService"] ?? ""))
      ? new CrdSchemas(dir)
      : null;
  }

  /** Whether the object is a custom kind this checks. */
  static knows(object: Manifest): boolean {
    return `${object.apiVersion.split("/")[0]}/${object.kind}` in CRD_FILES;
  }

  async problems(object: Manifest): Promise<string[]> {
    const validate = await this.validator(object);
    if (validate(object)) return [];
    return (validate.errors ?? []).map(describe);
  }

  private validator(object: Manifest): Promise<ValidateFunction> {
    const [group, version] = object.apiVersion.split("/");
    const key = `${group}/${version}/${object.kind}`;
    let compiled = this.compiled.get(key);
    if (compiled === undefined) {
      compiled = this.compile(group ?? "", version ?? "", object.kind);
      this.compiled.set(key, compiled);
    }
    return compiled;
  }

  private async compile(group: string, version: string, kind: string): Promise<ValidateFunction> {
    const file = CRD_FILES[`${group}/${kind}`];
    if (file === undefined) throw invalidParameter(`No CRD schema is known for ${group} ${kind}.`);
    const crd = parseYaml(await readFile(path.join(this.dir, file), "utf8")) as CrdDocument;
    const served = crd.spec?.versions?.find((v) => v.name === version);
    const schema = served?.schema?.openAPIV3Schema;
    if (schema === undefined) {
      throw invalidParameter(
        `${kind} ${group}/${version} is not a version the CRD in ${file} defines (it has ${(crd.spec?.versions ?? []).map((v) => v.name).join(", ")}).`,
      );
    }
    return this.ajv.compile(strict(schema) as Schema);
  }
}

function describe(error: ErrorObject): string {
  const at = error.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(object)";
  if (error.keyword === "additionalProperties") {
    return `${at}: unknown field '${String((error.params as { additionalProperty: string }).additionalProperty)}'`;
  }
  return `${at}: ${error.message ?? error.keyword}`;
}
