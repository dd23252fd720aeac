// Parses the Authorization header the MLflow client sends: Basic (MLFLOW_TRACKING_USERNAME/PASSWORD) or
// Bearer (MLFLOW_TRACKING_TOKEN).
import { FlowgateError } from "../../core/errors.js";

export type Credentials =
  { kind: "basic"; username: string; password: string } | { kind: "bearer"; token: string };

export function unauthenticated(message: string): FlowgateError {
  return new FlowgateError("UNAUTHENTICATED", message);
}

/** `undefined` when no header was sent; throws UNAUTHENTICATED for a malformed one. */
export function parseAuthorization(header: string | undefined): Credentials | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const match = /^(\S+)\s+(\S+)\s*$/.exec(header.trim());
  const scheme = match?.[1]?.toLowerCase();
  const value = match?.[2] ?? "";
  if (scheme === "bearer") return { kind: "bearer", token: value };
  if (scheme === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0)
      return { kind: "basic", username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  throw unauthenticated(
    "Malformed Authorization header: use 'Basic <base64 user:password>' or 'Bearer <token>' " +
      "(MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN).",
  );
}
