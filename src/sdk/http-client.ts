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

type Query = Record<string, string | number | string[] | undefined>;

/** A conditional GET's answer: the body and its ETag, or "not modified" (304) when the ETag still holds. */
export type ConditionalAnswer<T> =
  { modified: true; etag: string | undefined; body: T } | { modified: false };

export interface HttpClient {
  get<T>(path: string, query?: Query): Promise<T>;
  /** GET with If-None-Match: a long-poll answers 304 when nothing changed within the wait. */
  getIfChanged<T>(
    path: string,
    etag: string | undefined,
    query?: Query,
    signal?: AbortSignal,
  ): Promise<ConditionalAnswer<T>>;
  send<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body: object): Promise<T>;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = options.trackingUri.replace(/\/+$/, "");
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  else if (options.username !== undefined) {
    const basic = Buffer.from(`${options.username}:${options.password ?? ""}`).toString("base64");
    headers.authorization = `Basic ${basic}`;
  }

  async function respond(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string>) },
      });
    } catch (err) {
      if (init.signal?.aborted === true) throw err;
      throw new FlowgateError("TEMPORARILY_UNAVAILABLE", `Cannot reach ${base}: ${(err as Error).message}`);
    }
  }

  async function request<T>(url: string, init: RequestInit): Promise<T> {
    return parse<T>(url, await respond(url, init));
  }

  async function parse<T>(url: string, res: Response): Promise<T> {
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

  function urlOf(path: string, query: Query): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
    }
    const suffix = [...qs].length > 0 ? `?${qs.toString()}` : "";
    return `${base}${path}${suffix}`;
  }

  return {
    get(path, query = {}) {
      return request(urlOf(path, query), { method: "GET" });
    },
    async getIfChanged<T>(path: string, etag: string | undefined, query: Query = {}, signal?: AbortSignal) {
      const url = urlOf(path, query);
      const res = await respond(url, {
        method: "GET",
        headers: etag === undefined ? {} : { "if-none-match": etag },
        ...(signal === undefined ? {} : { signal }),
      });
      if (res.status === 304) {
        await res.body?.cancel();
        return { modified: false } as const;
      }
      const body = await parse<T>(url, res);
      return { modified: true, etag: res.headers.get("etag") ?? undefined, body } as const;
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
