// MLflow's guards against expensive GraphQL queries, applied before anything runs: at most 10 levels deep,
// 1000 selected fields in all, N root fields and N aliases on any one level (N = 10, or
// MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS / MLFLOW_SERVER_GRAPHQL_MAX_ALIASES, the variables MLflow reads, so
// a deployment tuned for MLflow keeps its limits). Fragments count where they are spread, so aliases cannot
// be hidden in sibling fragments.
import { Kind, type DocumentNode, type FieldNode, type SelectionSetNode } from "graphql";

const MAX_DEPTH = 10;
const MAX_SELECTIONS = 1000;

export interface QueryLimits {
  maxRootFields: number;
  maxAliases: number;
}

export function queryLimitsFrom(env: NodeJS.ProcessEnv): QueryLimits {
  const read = (name: string): number => {
    const n = Number(env[name]);
    return Number.isSafeInteger(n) && n > 0 ? n : 10;
  };
  return {
    maxRootFields: read("MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS"),
    maxAliases: read("MLFLOW_SERVER_GRAPHQL_MAX_ALIASES"),
  };
}

/** The fields selected at one level, fragments (inline or spread) merged in, and how many carry an alias. */
function fieldsOf(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, SelectionSetNode>,
): { fields: FieldNode[]; aliases: number } {
  const fields: FieldNode[] = [];
  const seen = new Set<string>();
  const queue = [...set.selections];
  for (let selection = queue.shift(); selection !== undefined; selection = queue.shift()) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) queue.push(...selection.selectionSet.selections);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      queue.push(...(fragments.get(selection.name.value)?.selections ?? []));
    }
  }
  return { fields, aliases: fields.filter((f) => f.alias !== undefined).length };
}

/** Why the query may not run (MLflow's message), or undefined when it is within every limit. */
export function queryLimitViolation(document: DocumentNode, limits: QueryLimits): string | undefined {
  const fragments = new Map<string, SelectionSetNode>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d.selectionSet);
  }
  let rootFields = 0;
  let maxAliases = 0;
  let selections = 0;
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const stack: [SelectionSetNode, number][] = [[d.selectionSet, 1]];
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      const [set, depth] = top;
      if (depth > MAX_DEPTH) return `Query exceeds maximum depth of ${MAX_DEPTH}`;
      const { fields, aliases } = fieldsOf(set, fragments);
      for (const field of fields) {
        if (depth === 1) rootFields += 1;
        if (field.selectionSet !== undefined) stack.push([field.selectionSet, depth + 1]);
        selections += 1;
        if (selections > MAX_SELECTIONS) return `Query exceeds maximum total selections of ${MAX_SELECTIONS}`;
      }
      maxAliases = Math.max(maxAliases, aliases);
    }
  }
  const over = (what: string, limit: number, got: number, variable: string): string =>
    `GraphQL queries should have at most ${limit} ${what}, got ${got} ${what}. To increase the limit, ` +
    `set the ${variable} environment variable.`;
  if (rootFields > limits.maxRootFields) {
    return over("root fields", limits.maxRootFields, rootFields, "MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS");
  }
  if (maxAliases > limits.maxAliases) {
    return over("aliases", limits.maxAliases, maxAliases, "MLFLOW_SERVER_GRAPHQL_MAX_ALIASES");
  }
  return undefined;
}
