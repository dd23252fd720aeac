// The one place the UI talks HTTP. Every call goes through the same public APIs the CLI and the mlflow
// client use: the MLflow API under /ajax-api/2.0/mlflow and the native API under /api/flowgate/v1.
// Errors keep the server's error_code and message, so pages can show exactly what the server said.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** The server has no such endpoint (a feature not in this build or not enabled). */
  get unavailable(): boolean {
    return this.code === "ENDPOINT_NOT_FOUND" || this.status === 501;
  }
  get unauthenticated(): boolean {
    return this.status === 401 || this.code === "UNAUTHENTICATED";
  }
}

type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

const CREDENTIALS_KEY = "flowgate.auth";

/** The Authorization header value the user logged in with (kept for this browser tab only). */
export function authHeader(): string | undefined {
  return sessionStorage.getItem(CREDENTIALS_KEY) ?? undefined;
}

export function setAuthHeader(value: string | undefined): void {
  if (value === undefined) sessionStorage.removeItem(CREDENTIALS_KEY);
  else sessionStorage.setItem(CREDENTIALS_KEY, value);
  window.dispatchEvent(new Event("flowgate-auth"));
}

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) qs.append(key, String(item));
  }
  const text = qs.toString();
  return text === "" ? "" : `?${text}`;
}

/**
 * The decision note of a change, sent as X-Flowgate-Reason: the server records it in the audit log and
 * requires it for protected promotions. A header carries Latin-1 only, so other characters become "?".
 */
function reasonHeader(reason: string | undefined): Record<string, string> {
  const text = reason?.trim().replace(/[^\x20-\x7E\xA0-\xFF]/g, "?") ?? "";
  return text === "" ? {} : { "x-flowgate-reason": text };
}

async function request<T>(method: string, url: string, body?: unknown, reason?: string): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...reasonHeader(reason) };
  const auth = authHeader();
  if (auth) headers.authorization = auth;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, "NETWORK_ERROR", `Cannot reach the server: ${(err as Error).message}`);
  }
  const text = await res.text();
  let json: unknown = {};
  if (text !== "") {
    try {
      json = JSON.parse(text);
    } catch {
      json = { message: text.slice(0, 300) };
    }
  }
  if (!res.ok) {
    const err = json as { error_code?: string; message?: string };
    if (res.status === 401) window.dispatchEvent(new Event("flowgate-unauthenticated"));
    // A 404 without an MLflow error body is a route this server does not have.
    const fallback = res.status === 404 ? "ENDPOINT_NOT_FOUND" : `HTTP_${res.status}`;
    throw new ApiError(
      res.status,
      err.error_code ?? fallback,
      err.message ?? `${method} ${url} failed with HTTP ${res.status}`,
    );
  }
  return json as T;
}

const MLFLOW = "/ajax-api/2.0/mlflow/";
const NATIVE = "/api/flowgate/v1/";

export const mlflow = {
  get: <T>(path: string, query?: Query) => request<T>("GET", `${MLFLOW}${path}${queryString(query)}`),
  post: <T>(path: string, body: unknown, reason?: string) =>
    request<T>("POST", `${MLFLOW}${path}`, body, reason),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", `${MLFLOW}${path}`, body),
  delete: <T>(path: string, body: unknown) => request<T>("DELETE", `${MLFLOW}${path}`, body),
};

export const native = {
  get: <T>(path: string, query?: Query) => request<T>("GET", `${NATIVE}${path}${queryString(query)}`),
  post: <T>(path: string, body: unknown) => request<T>("POST", `${NATIVE}${path}`, body),
  delete: <T>(path: string, body?: unknown) => request<T>("DELETE", `${NATIVE}${path}`, body),
};

/** URL of an artifact file through the artifact proxy, from an `mlflow-artifacts:` URI plus a relative path. */
export function artifactFileUrl(rootUri: string, relPath: string): string | undefined {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(rootUri);
  if (!m) return undefined;
  const parts = [m[1] ?? "", relPath].filter((p) => p !== "").join("/");
  return `/ajax-api/2.0/mlflow-artifacts/artifacts/${parts.split("/").map(encodeURIComponent).join("/")}`;
}

/** GET an artifact's bytes (with the user's credentials) as a Blob. */
export async function fetchArtifact(url: string): Promise<Blob> {
  const headers: Record<string, string> = {};
  const auth = authHeader();
  if (auth) headers.authorization = auth;
  const res = await fetch(url, { headers });
  if (!res.ok) {
    const text = await res.text();
    let message = `HTTP ${res.status}`;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, `HTTP_${res.status}`, message);
  }
  return res.blob();
}

/** One line for an error: the server's message and code, or the thrown text. */
export function errorText(err: unknown): string {
  return err instanceof ApiError ? `${err.message} (${err.code})` : String(err);
}
