// Who is using the UI. With auth off the server has no "me" and everything is allowed; with auth on the
// native API says who the credentials belong to and which roles they hold, so pages can disable what the
// user may not do and say why.
import { createContext, useContext, useEffect, useState } from "react";
import { ApiError, native } from "./client";

export interface Session {
  /** false when the server runs without authentication. */
  authEnabled: boolean;
  /** undefined when not signed in (or auth is off). */
  user?: { name: string; roles: string[] };
}

interface WhoAmI {
  username?: string;
  name?: string;
  kind?: string;
  via?: string;
  auth_enabled?: boolean;
  roles?: string[];
  grants?: { role: string; scope_type?: string; scopeType?: string; scope_id?: string }[];
  user?: WhoAmI;
}

export async function loadSession(): Promise<Session> {
  try {
    const raw = await native.get<WhoAmI>("whoami");
    const me = raw.user ?? raw;
    // With auth off the server answers as an anonymous admin: nothing to sign in to.
    if (me.auth_enabled === false || me.kind === "anonymous" || me.via === "none")
      return { authEnabled: false };
    const roles = [...new Set([...(me.roles ?? []), ...(me.grants ?? []).map((g) => g.role)])];
    return { authEnabled: true, user: { name: me.username ?? me.name ?? "?", roles } };
  } catch (err) {
    if (err instanceof ApiError && err.unauthenticated) return { authEnabled: true };
    // No identity endpoint: a server without governance; nothing to sign in to.
    return { authEnabled: false };
  }
}

export function useSession(): Session | undefined {
  const [session, setSession] = useState<Session>();
  useEffect(() => {
    let live = true;
    const refresh = () => void loadSession().then((s) => live && setSession(s));
    refresh();
    window.addEventListener("flowgate-auth", refresh);
    return () => {
      live = false;
      window.removeEventListener("flowgate-auth", refresh);
    };
  }, []);
  return session;
}

// The server decides; the UI only mirrors the role table so it can disable what would be refused and say
// why. Keep in step with src/governance/rbac.ts.
const READ = ["experiment.read", "artifact.read", "model.read"];
const DATA_SCIENTIST = [...READ, "experiment.write", "artifact.write", "model.request"];
const ML_ENGINEER = [...DATA_SCIENTIST, "model.write", "model.transition"];
const RELEASE_MANAGER = [...ML_ENGINEER, "model.promote", "model.approve", "model.delete", "audit.read"];
const ROLE_PERMISSIONS: Record<string, string[]> = {
  reader: READ,
  "data-scientist": DATA_SCIENTIST,
  "ml-engineer": ML_ENGINEER,
  "release-manager": RELEASE_MANAGER,
  service: ["model.read", "artifact.read"],
};

export type Permission =
  "model.transition" | "model.promote" | "model.request" | "model.approve" | "audit.read" | "user.manage";

/** Which role grants a permission, for "you need the … role" explanations. */
export const ROLE_FOR: Record<Permission, string> = {
  "model.transition": "ml-engineer",
  "model.promote": "release-manager",
  "model.request": "data-scientist",
  "model.approve": "release-manager",
  "audit.read": "release-manager",
  "user.manage": "admin",
};

// Until the session has loaded nothing is allowed: a button enabled for the first few hundred milliseconds
// would let a click through that the page then says was never permitted.
export function can(session: Session | undefined, permission: Permission): boolean {
  if (!session) return false;
  if (!session.authEnabled) return true;
  const roles = session.user?.roles ?? [];
  return roles.some((r) => r === "admin" || (ROLE_PERMISSIONS[r]?.includes(permission) ?? false));
}

/** Why an action is disabled, or undefined when it is allowed. */
export function whyNot(session: Session | undefined, permission: Permission): string | undefined {
  if (can(session, permission)) return undefined;
  if (!session) return "Checking who you are…";
  if (!session.user) return "Sign in to do this.";
  return `You need the ${ROLE_FOR[permission]} role (you have: ${session.user.roles.join(", ") || "no roles"}).`;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useCurrentSession(): Session | undefined {
  return useContext(SessionContext);
}
