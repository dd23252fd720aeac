// Helpers for auth-enabled HTTP tests: a server with a first admin, and Basic / bearer headers.
import { startTestServer, call, type TestServer } from "../support/test-server.js";
import type { TestBackend } from "../support/backends.js";

export const ADMIN = { username: "root-admin", password: "Correct-Horse-42-battery" };
export const STRONG_PASSWORD = "Blue-Kettle-93-sunrise";

export function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export const adminHeaders = basic(ADMIN.username, ADMIN.password);

export async function startAuthServer(backend: TestBackend, backendStoreUri?: string): Promise<TestServer> {
  return startTestServer(backend, {
    auth: true,
    env: { FLOWGATE_ADMIN_USERNAME: ADMIN.username, FLOWGATE_ADMIN_PASSWORD: ADMIN.password },
    ...(backendStoreUri === undefined ? {} : { backendStoreUri }),
  });
}

/** Creates a user with a password and one global role; returns its Basic headers. */
export async function userWithRole(
  server: TestServer,
  username: string,
  role: string,
): Promise<Record<string, string>> {
  const res = await call(
    server,
    "POST",
    "/api/flowgate/v1/users",
    { username, password: STRONG_PASSWORD, role },
    adminHeaders,
  );
  if (res.status !== 200) throw new Error(`creating ${username}: ${JSON.stringify(res.body)}`);
  return basic(username, STRONG_PASSWORD);
}
