// A typed client for deployments (`/api/flowgate/v1/deployments…`, DELIVERY-CONTRACT.md): write specs as new
// revisions (with a reason, and the revision read for a safe read-modify-write), drive a rollout, read its
// history, metrics and routing, and follow routing changes by long-polling with the snapshot's ETag.
import type {
  DeploymentRevision,
  DeploymentSpec,
  RolloutState,
  RoutingSnapshot,
} from "../delivery/deployment.js";
import type { DeploymentView } from "../delivery/deployment.js";
import type { DeploymentMetrics } from "../delivery/deployment-metrics.js";
import { createHttpClient, type HttpClientOptions } from "./http-client.js";

const V1 = "/api/flowgate/v1";

/** The server caps a long-poll at 30 s; a little less keeps proxies with a 30 s idle timeout quiet. */
const DEFAULT_WAIT_SECONDS = 25;

export interface DeploymentsPage {
  deployments: DeploymentView[];
  nextPageToken?: string;
}

/** A routing snapshot with the ETag to send back as If-None-Match. */
export interface RoutingAnswer {
  snapshot: RoutingSnapshot;
  etag: string;
}

export interface WatchOptions {
  /** Start after this ETag (the first snapshot yielded is then the next change). */
  etag?: string;
  /** Seconds the server holds each poll open (≤ 30). */
  waitSeconds?: number;
  /** Ends the watch (the iterator then returns). */
  signal?: AbortSignal;
}

export interface DeploymentsClient {
  create(spec: DeploymentSpec, reason: string): Promise<DeploymentView>;
  get(name: string): Promise<DeploymentView>;
  list(opts?: { model?: string; maxResults?: number; pageToken?: string }): Promise<DeploymentsPage>;
  /** Every deployment (of one model, if given), following page tokens. */
  listAll(opts?: { model?: string }): Promise<DeploymentView[]>;
  /** Writes a new revision; with expectedRevision, refused (INVALID_STATE) if someone wrote one since. */
  update(
    name: string,
    spec: DeploymentSpec,
    reason: string,
    expectedRevision?: number,
  ): Promise<DeploymentView>;
  /**
   * Read-modify-write: reads the spec, applies `change`, writes it only if the revision is still the one read
   * (or `expectedRevision`, when the caller read it earlier).
   */
  modify(
    name: string,
    change: (spec: DeploymentSpec) => DeploymentSpec,
    reason: string,
    opts?: { expectedRevision?: number },
  ): Promise<DeploymentView>;
  delete(name: string, reason: string): Promise<void>;
  /** Revisions, newest first, each with author, reason and diff. */
  history(name: string): Promise<DeploymentRevision[]>;
  revision(name: string, revision: number): Promise<DeploymentRevision>;
  /** Moves the canary to its next step, or (full) straight to 100%. */
  promote(name: string, reason: string, opts?: { full?: boolean }): Promise<DeploymentView>;
  pause(name: string, reason: string): Promise<DeploymentView>;
  resume(name: string, reason: string): Promise<DeploymentView>;
  abort(name: string, reason: string): Promise<DeploymentView>;
  /** A new revision whose primary is the previous (or the given revision's) primary at 100%, no analysis. */
  rollback(name: string, reason: string, opts?: { toRevision?: number }): Promise<DeploymentView>;
  status(name: string): Promise<RolloutState>;
  routing(name: string): Promise<RoutingAnswer>;
  /** One long-poll: the new snapshot, or undefined when nothing changed within the wait. */
  routingChange(
    name: string,
    etag: string,
    opts?: { waitSeconds?: number; signal?: AbortSignal },
  ): Promise<RoutingAnswer | undefined>;
  /** The current routing snapshot, then every change, until the signal aborts. */
  watch(name: string, opts?: WatchOptions): AsyncIterable<RoutingAnswer>;
  metrics(name: string, opts?: { since?: number; step?: number }): Promise<DeploymentMetrics>;
}

const enc = encodeURIComponent;

export function createDeploymentsClient(options: HttpClientOptions): DeploymentsClient {
  const http = createHttpClient(options);
  const at = (name: string, sub = ""): string =>
    `${V1}/deployments/${enc(name)}${sub === "" ? "" : `/${sub}`}`;
  const view = async (p: Promise<{ deployment: DeploymentView }>): Promise<DeploymentView> =>
    (await p).deployment;
  const action = (name: string, verb: string, body: object): Promise<DeploymentView> =>
    view(http.send("POST", at(name, verb), body));

  async function routingChange(
    name: string,
    etag: string | undefined,
    query: Record<string, number>,
    signal?: AbortSignal,
  ): Promise<RoutingAnswer | undefined> {
    const answer = await http.getIfChanged<RoutingSnapshot>(at(name, "routing"), etag, query, signal);
    if (!answer.modified) return undefined;
    // The header is what If-None-Match must echo; the body's etag is the same value for clients without headers.
    return { snapshot: answer.body, etag: answer.etag ?? answer.body.etag };
  }

  const client: DeploymentsClient = {
    create: (spec, reason) => view(http.send("POST", `${V1}/deployments`, { spec, reason })),
    get: (name) => view(http.get(at(name))),
    list: (opts = {}) =>
      http.get(`${V1}/deployments`, {
        model: opts.model,
        max_results: opts.maxResults,
        page_token: opts.pageToken,
      }),
    async listAll(opts = {}) {
      const all: DeploymentView[] = [];
      let pageToken: string | undefined;
      do {
        const page = await client.list({ ...opts, ...(pageToken === undefined ? {} : { pageToken }) });
        all.push(...page.deployments);
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined && pageToken !== "");
      return all;
    },
    update: (name, spec, reason, expectedRevision) =>
      view(
        http.send("PUT", at(name), {
          spec,
          reason,
          ...(expectedRevision === undefined ? {} : { expectedRevision }),
        }),
      ),
    async modify(name, change, reason, opts = {}) {
      const current = await client.get(name);
      const expected = opts.expectedRevision ?? current.revision;
      return client.update(name, change(structuredClone(current.spec)), reason, expected);
    },
    async delete(name, reason) {
      await http.send("DELETE", `${at(name)}?${new URLSearchParams({ reason }).toString()}`, {});
    },
    history: async (name) =>
      (await http.get<{ revisions: DeploymentRevision[] }>(at(name, "revisions"))).revisions,
    revision: async (name, revision) =>
      (await http.get<{ revision: DeploymentRevision }>(at(name, `revisions/${revision}`))).revision,
    promote: (name, reason, opts = {}) =>
      action(name, "promote", { reason, ...(opts.full === true ? { full: true } : {}) }),
    pause: (name, reason) => action(name, "pause", { reason }),
    resume: (name, reason) => action(name, "resume", { reason }),
    abort: (name, reason) => action(name, "abort", { reason }),
    rollback: (name, reason, opts = {}) =>
      action(name, "rollback", {
        reason,
        ...(opts.toRevision === undefined ? {} : { toRevision: opts.toRevision }),
      }),
    status: async (name) => (await client.get(name)).status,
    routing: async (name) => (await routingChange(name, undefined, {})) as RoutingAnswer,
    routingChange: (name, etag, opts = {}) =>
      routingChange(
        name,
        etag,
        { wait: Math.min(opts.waitSeconds ?? DEFAULT_WAIT_SECONDS, 30) },
        opts.signal,
      ),
    async *watch(name, opts = {}) {
      let etag = opts.etag;
      const wait = Math.min(opts.waitSeconds ?? DEFAULT_WAIT_SECONDS, 30);
      const aborted = (): boolean => opts.signal?.aborted === true;
      while (!aborted()) {
        let answer: RoutingAnswer | undefined;
        try {
          answer = await routingChange(name, etag, etag === undefined ? {} : { wait }, opts.signal);
        } catch (err) {
          if (aborted()) return;
          throw err;
        }
        if (answer === undefined) continue;
        etag = answer.etag;
        yield answer;
      }
    },
    metrics: (name, opts = {}) => http.get(at(name, "metrics"), { since: opts.since, step: opts.step }),
  };
  return client;
}
