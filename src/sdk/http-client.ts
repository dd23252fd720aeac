// The SDK's transport: JSON over fetch to a Flowgate (or MLflow) server, with the auth the mlflow client
// uses (MLFLOW_TRACKING_TOKEN as Bearer, or MLFLOW_TRACKING_USERNAME/PASSWORD as Basic), and server errors
// turned back into FlowgateError with the server's code and message.
import { ERROR_STATUS, FlowgateError, type ErrorCode } from "../core/errors.js";

export interface HttpClientOptions {
  /** e.g. http://127.0.0.1:5000 */
  trackingUri: string;
  token?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

export interface HttpClient {
  get<T>(path: string, query?: Record<string, string | number | string[] | undefined>): Promise<T>;
  send<T>(method: "POST" | "PATCH" | "DELETE", path: string, body: object): Promise<T>;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = options.trackingUri.replace(/\/+$/, "");
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  else if (options.username !== undefined) {
    const basic = Buffer.from(`${options.username}:${options.password ?? ""}`).toString("base64");
    headers.authorization = `Basic ${basic}`;
  }

  async function request<T>(url: string, init: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string>) },
      });
    } catch (err) {
      throw new FlowgateError("TEMPORARILY_UNAVAILABLE", `Cannot reach ${base}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text === "" ? {} : JSON.parse(text);
    } catch {
      body = { message: text };
    }
    if (!res.ok) {
      const e = body as { error_code?: string; message?: string };
      const code = (
        e.error_code !== undefined && e.error_code in ERROR_STATUS ? e.error_code : "INTERNAL_ERROR"
      ) as ErrorCode;
      throw new FlowgateError(code, e.message ?? `HTTP ${res.status} from ${url}`);
    }
    return body as T;
  }

  return {
    get(path, query = {}) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) {
        if (v === undefined) continue;
        for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
      }
      const suffix = [...qs].length > 0 ? `?${qs.toString()}` : "";
      return request(`${base}${path}${suffix}`, { method: "GET" });
    },
    send(method, path, body) {
      return request(`${base}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    },
  };
}
