// hostile-inputs.md section A against the artifact proxy: every payload, on both prefixes and every verb, is
// refused with 400 INVALID_PARAMETER_VALUE, and the filesystem proves it: nothing written outside the root,
// planted files survive, the root is never wiped.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BACKENDS } from "../support/backends.js";
import { rawRequest } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const PREFIXES = ["/api/2.0/mlflow-artifacts", "/ajax-api/2.0/mlflow-artifacts"];

// Section A.1/A.3/A.4/A.6 payloads as they appear in a URL path (already percent-encoded where a raw
// character could not travel in a path).
const HOSTILE_PATHS = [
  "../../../../etc/passwd",
  "..%2f..%2f..%2fetc%2fpasswd",
  "/etc/passwd",
  "%2fetc%2fpasswd",
  "..%2f..%2fetc",
  "%252e%252e%252f%252e%252e%252fetc",
  "%25252e%25252e%25252fx",
  "..\\..\\x",
  "..%5c..%5cx",
  "C:\\x",
  "C:%5cx",
  "C:%2fx",
  "a/../../b",
  "a/%2e%2e/%2e%2e/b",
  "a%00b",
  "%23x",
  "%0a",
  "a%3f/a",
  "a;b",
  "a%3bb",
  "..%2f..%2ftmp%2fpwn",
  "%252e%252e%252fother-exp",
  "exp//x",
  "~/x",
];

// A.5: every spelling of the root itself.
const ROOT_FORMS = [".", "%2e", "./.", ".//", "%2e/%2e", "%252e", ""];

function isRefusal(res: { status: number; body: string }, what: string): void {
  assert.equal(res.status, 400, `${what}: status ${res.status} ${res.body}`);
  assert.equal(JSON.parse(res.body).error_code, "INVALID_PARAMETER_VALUE", what);
}

/** Every file under `dir`, as relative paths with contents (symlinks not followed). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(path.relative(dir, p), readFileSync(p, "utf8"));
      else out.set(path.relative(dir, p), "<link>");
    }
  };
  walk(dir);
  return out;
}

describe("hostile artifact paths (hostile-inputs A)", () => {
  let server: TestServer;
  let sandbox: string;
  let before_: Map<string, string>;

  before(async () => {
    server = await startTestServer(BACKENDS[0]!);
    // The sandbox holds the artifact root and, next to it, files an attacker would like to reach.
    sandbox = path.dirname(server.artifactRoot);
    mkdirSync(path.join(server.artifactRoot, "1", "run", "artifacts"), { recursive: true });
    mkdirSync(path.join(server.artifactRoot, "other-exp"), { recursive: true });
    writeFileSync(path.join(server.artifactRoot, "other-exp", "keep.txt"), "inside sentinel");
    writeFileSync(path.join(server.artifactRoot, "1", "run", "artifacts", "model.pkl"), "model bytes");
    mkdirSync(path.join(sandbox, "outside"), { recursive: true });
    writeFileSync(path.join(sandbox, "outside", "passwd"), "outside sentinel");
    writeFileSync(path.join(sandbox, "other-exp"), "sibling sentinel");
    // A.8: a symlink inside the root that points outside it.
    symlinkSync(path.join(sandbox, "outside"), path.join(server.artifactRoot, "1", "link"));
    before_ = snapshot(sandbox);
  });
  after(() => server.close());

  for (const prefix of PREFIXES) {
    describe(`under ${prefix}`, () => {
      it("refuses an upload to every hostile path", async () => {
        for (const p of HOSTILE_PATHS) {
          isRefusal(await rawRequest(server.url, "PUT", `${prefix}/artifacts/${p}`, "pwned"), `PUT ${p}`);
        }
      });

      it("refuses a download of every hostile path", async () => {
        for (const p of HOSTILE_PATHS) {
          isRefusal(await rawRequest(server.url, "GET", `${prefix}/artifacts/${p}`), `GET ${p}`);
        }
      });

      it("refuses a listing of every hostile path", async () => {
        for (const p of HOSTILE_PATHS) {
          const query = encodeURIComponent(p);
          isRefusal(await rawRequest(server.url, "GET", `${prefix}/artifacts?path=${query}`), `list ${p}`);
        }
        isRefusal(await rawRequest(server.url, "GET", `${prefix}/artifacts?path=../..`), "list ../..");
        isRefusal(await rawRequest(server.url, "GET", `${prefix}/artifacts?path=a%3F%2Fa`), "list a?/a");
      });

      it("refuses a delete of every hostile path", async () => {
        for (const p of HOSTILE_PATHS) {
          isRefusal(await rawRequest(server.url, "DELETE", `${prefix}/artifacts/${p}`), `DELETE ${p}`);
        }
      });

      it("refuses to delete the artifact root in any spelling", async () => {
        for (const p of ROOT_FORMS) {
          isRefusal(await rawRequest(server.url, "DELETE", `${prefix}/artifacts/${p}`), `DELETE '${p}'`);
        }
        isRefusal(await rawRequest(server.url, "DELETE", `${prefix}/artifacts`), "DELETE bare prefix");
      });

      it("validates the path of multipart calls before declining them", async () => {
        for (const action of ["create", "complete", "abort"]) {
          for (const p of ["../../x", "..%2f..%2fx", "%252e%252e%252fx"]) {
            const res = await rawRequest(server.url, "POST", `${prefix}/mpu/${action}/${p}`, "{}", {
              "content-type": "application/json",
            });
            isRefusal(res, `mpu ${action} ${p}`);
          }
          const ok = await rawRequest(server.url, "POST", `${prefix}/mpu/${action}/1/run/artifacts/f`, "{}", {
            "content-type": "application/json",
          });
          assert.equal(ok.status, 501);
          assert.equal(JSON.parse(ok.body).error_code, "NOT_IMPLEMENTED");
          assert.match(JSON.parse(ok.body).message, /^Multipart upload is not supported/);
        }
        isRefusal(await rawRequest(server.url, "GET", `${prefix}/presigned/..%2f..%2fx`), "presigned");
      });

      it("does not follow a symlink out of the root, on any verb", async () => {
        const get = await rawRequest(server.url, "GET", `${prefix}/artifacts/1/link/passwd`);
        assert.ok(get.status === 400 || get.status === 404, `GET through link: ${get.status}`);
        assert.doesNotMatch(get.body, /outside sentinel/);
        isRefusal(await rawRequest(server.url, "PUT", `${prefix}/artifacts/1/link/new.txt`, "x"), "PUT link");
        isRefusal(await rawRequest(server.url, "DELETE", `${prefix}/artifacts/1/link/passwd`), "DELETE link");
        isRefusal(await rawRequest(server.url, "GET", `${prefix}/artifacts?path=1/link`), "list link");
        const listing = await rawRequest(server.url, "GET", `${prefix}/artifacts?path=1`);
        assert.equal(listing.status, 200);
        assert.doesNotMatch(listing.body, /"link"/, "a link out of the root is not listed");
      });

      it("serves an uploaded HTML or SVG page as an attachment that a browser will not render", async () => {
        for (const name of ["x.html", "x.svg"]) {
          const page = `<script>alert(document.cookie)</script>`;
          const put = await rawRequest(
            server.url,
            "PUT",
            `${prefix}/artifacts/1/run/artifacts/${name}`,
            page,
            {
              "content-type": "text/html",
            },
          );
          assert.equal(put.status, 200);
          const get = await rawRequest(server.url, "GET", `${prefix}/artifacts/1/run/artifacts/${name}`);
          assert.equal(get.status, 200);
          assert.equal(get.body, page);
          assert.match(String(get.headers["content-disposition"]), /^attachment/);
          assert.equal(get.headers["x-content-type-options"], "nosniff");
          assert.doesNotMatch(String(get.headers["content-type"]), /html|svg|xml/);
        }
      });
    });
  }

  it("leaves every file outside the root and every planted file inside it untouched", () => {
    const now = snapshot(sandbox);
    for (const [file, content] of before_) {
      assert.equal(now.get(file), content, `${file} changed or vanished`);
    }
    const added = [...now.keys()].filter((f) => !before_.has(f));
    // The only new files are the two pages the test itself uploaded, inside the run's directory.
    assert.deepEqual(added.sort(), ["artifacts/1/run/artifacts/x.html", "artifacts/1/run/artifacts/x.svg"]);
    assert.ok(existsSync(path.join(sandbox, "outside", "passwd")));
    assert.ok(!existsSync(path.join(sandbox, "pwn")));
  });
});
