// GET /api/docs: a readable reference of the API, rendered on the server from the OpenAPI document (no
// script, no third-party assets): each operation with its parameters, body fields and response fields.
import type { FastifyInstance } from "fastify";
import { ERROR_BODY } from "./wire-schema.js";

type Schema = Record<string, unknown>;
type Operation = {
  summary?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema; description?: string }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
};

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A schema in a few words: its type(s), or the component it names. */
function typeOf(schema: Schema | undefined): string {
  if (schema === undefined) return "";
  if (typeof schema.$ref === "string") return schema.$ref.replace("#/components/schemas/", "");
  if (schema.type === "array") return `${typeOf(schema.items as Schema | undefined)}[]`;
  if (schema.type !== undefined) return ([] as unknown[]).concat(schema.type).join(" | ");
  const anyOf = schema.anyOf as Schema[] | undefined;
  return anyOf === undefined ? "any" : anyOf.map(typeOf).join(" | ");
}

function fields(schema: Schema | undefined): string {
  const properties = schema?.properties as Record<string, Schema> | undefined;
  if (properties === undefined) return typeOf(schema) === "" ? "" : `<code>${escape(typeOf(schema))}</code>`;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties).map(
    ([name, s]) =>
      `<tr><td><code>${escape(name)}</code>${required.has(name) ? " *" : ""}</td>` +
      `<td>${escape(typeOf(s))}</td><td>${escape(typeof s.description === "string" ? s.description : "")}</td></tr>`,
  );
  return `<table>${rows.join("")}</table>`;
}

function operationHtml(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? []).map(
    (p) =>
      `<tr><td><code>${escape(p.name)}</code>${p.required === true ? " *" : ""}</td><td>${p.in}</td>` +
      `<td>${escape(typeOf(p.schema))}</td><td>${escape(p.description ?? "")}</td></tr>`,
  );
  const body = Object.values(op.requestBody?.content ?? {})[0]?.schema;
  const ok = Object.values(op.responses?.["200"]?.content ?? {})[0]?.schema;
  return (
    `<section><h3><span class="m">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>` +
    `<p>${escape(op.summary ?? "")}</p>` +
    (params.length > 0 ? `<h4>Parameters</h4><table>${params.join("")}</table>` : "") +
    (body === undefined ? "" : `<h4>Body</h4>${fields(body)}`) +
    (ok === undefined ? "" : `<h4>Response</h4>${fields(ok)}`) +
    `</section>`
  );
}

export function referencePage(doc: {
  info?: { title?: string };
  paths?: Record<string, Record<string, Operation>>;
}): string {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? "other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const tags = [...byTag.keys()].sort();
  return `<!doctype html><html><head><meta charset="utf-8"><title>Flowgate API</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1d2433}
table{border-collapse:collapse;margin:.3rem 0}td{border-top:1px solid #e3e6ec;padding:.2rem .6rem;vertical-align:top}
section{border-left:3px solid #c9d2e3;padding:.2rem 1rem;margin:1rem 0}.m{color:#2456a6;font-weight:600}
h3{margin:.3rem 0;font-size:15px}h4{margin:.5rem 0 .1rem;font-size:13px;color:#555}</style></head><body>
<h1>${escape(doc.info?.title ?? "API")} API</h1>
<p>The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Fields marked * are required.
Every error is <code>{"error_code", "message"}</code> (${escape(Object.keys(ERROR_BODY.properties as object).join(", "))}).</p>
<nav>${tags.map((t) => `<a href="#${escape(t)}">${escape(t)}</a>`).join(" · ")}</nav>
${tags.map((t) => `<h2 id="${escape(t)}">${escape(t)}</h2>${(byTag.get(t) ?? []).join("")}`).join("")}
</body></html>`;
}

export function installReferencePage(app: FastifyInstance, document: () => unknown): void {
  app.get(
    "/api/docs",
    {
      schema: {
        tags: ["server"],
        summary: "This reference, as HTML.",
        response: {
          200: { description: "HTML.", content: { "text/html": { schema: { type: "string" } } } },
          default: { description: "An error.", content: { "application/json": { schema: ERROR_BODY } } },
        },
      },
    },
    async (_request, reply) =>
      reply
        .type("text/html; charset=utf-8")
        .send(referencePage(document() as Parameters<typeof referencePage>[0])),
  );
}
