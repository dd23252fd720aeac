// MLflow's GraphQL resolvers read protobuf messages, where a field that was never set still has a value
// (0, "", false, the first enum value, an empty message or list). Flowgate's wire JSON leaves such fields
// out, so they are filled in here exactly as protobuf would, and doubles sent as "NaN"/"Infinity" strings
// become numbers again.
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isEnumType,
  isListType,
  isObjectType,
  type GraphQLResolveInfo,
} from "graphql";
import { toDouble } from "../mlflow/wire-input.js";

/** Python's repr of a non-finite float, which MLflow's error message prints. */
const PYTHON_FLOAT = (n: number): string => (Number.isNaN(n) ? "nan" : n > 0 ? "inf" : "-inf");

function defaultOf(info: GraphQLResolveInfo): unknown {
  const type = getNullableType(info.returnType);
  if (isListType(type)) return [];
  const named = getNamedType(type);
  // Not a protobuf field in MLflow either: its responses never carry an apiError.
  if (named.name === "ApiError") return null;
  if (isObjectType(named)) return {};
  if (isEnumType(named)) return named.getValues()[0]?.value ?? null;
  // Flowgate has one workspace, the one MLflow calls "default".
  if (info.parentType.name === "MlflowExperiment" && info.fieldName === "workspace") return "default";
  switch (named.name) {
    case "String":
      return "";
    case "LongString":
      return "0";
    case "Int":
    case "Float":
      return 0;
    case "Boolean":
      return false;
    default:
      return null;
  }
}

function floatValue(value: unknown, info: GraphQLResolveInfo): number | null {
  const n = typeof value === "number" ? value : toDouble(info.fieldName, value);
  if (Number.isFinite(n)) return n;
  // A run's metric values may be NaN: MLflow's run metrics answer null for them, every other float field fails.
  if (info.parentType.name === "MlflowMetricExtension") return null;
  throw new GraphQLError(`Float cannot represent non numeric value: ${PYTHON_FLOAT(n)}`);
}

export function protoValue(value: unknown, info: GraphQLResolveInfo): unknown {
  if (value === undefined || value === null) return defaultOf(info);
  if (getNamedType(info.returnType).name === "Float") return floatValue(value, info);
  return value;
}
