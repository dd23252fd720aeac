// The authenticated caller of one request: who, what kind of account, which role grants.
import type { Grant } from "../rbac.js";

export interface Principal {
  username: string;
  kind: "user" | "service" | "anonymous";
  grants: Grant[];
  /** How the caller proved who they are. */
  via: "basic" | "token" | "none";
}

/** With auth off every caller acts as this, and every permission is granted (like `mlflow server`). */
export const ANONYMOUS_ADMIN: Principal = {
  username: "anonymous",
  kind: "anonymous",
  grants: [{ role: "admin", scopeType: "global", scopeId: "" }],
  via: "none",
};
