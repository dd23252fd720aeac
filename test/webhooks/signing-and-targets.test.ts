import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { signature, signedHeaders, verifySignature } from "../../src/webhooks/signer.js";
import { checkTargetUrl, isSpecialAddress } from "../../src/webhooks/target-address.js";
import { sendWebhook } from "../../src/webhooks/http-sender.js";
import { FlowgateError } from "../../src/core/errors.js";
import { Receiver } from "./receiver.js";

const SECRET = "s3cret-s3cret-s3cret";
const strict = { allowHttp: false, allowPrivate: false };

describe("webhook signatures", () => {
  const now = 1_800_000_000;
  const body = '{"entity":"model_version","action":"created"}';
  const h = signedHeaders([SECRET], "evt-1", now, body);

  it("matches MLflow's scheme: v1,base64(HMAC-SHA256(secret, id.timestamp.body)) in both header families", () => {
    assert.equal(h["x-mlflow-signature"], signature(SECRET, "evt-1", now, body));
    assert.equal(h["webhook-signature"], h["x-mlflow-signature"]);
    assert.equal(h["x-mlflow-delivery-id"], "evt-1");
    assert.equal(h["webhook-id"], "evt-1");
    assert.equal(h["x-mlflow-timestamp"], String(now));
    assert.match(h["x-mlflow-signature"] ?? "", /^v1,[A-Za-z0-9+/]+=*$/);
  });

  it("a receiver accepts the genuine delivery and rejects a tampered body, wrong secret or stale timestamp", () => {
    const hdr = { id: "evt-1", timestamp: String(now), signatures: h["webhook-signature"]! };
    assert.equal(verifySignature(SECRET, hdr, body, now), true);
    assert.equal(verifySignature(SECRET, hdr, body.replace("created", "deleted"), now), false);
    assert.equal(verifySignature("another-secret-000", hdr, body, now), false);
    assert.equal(verifySignature(SECRET, hdr, body, now + 301), false);
    assert.equal(verifySignature(SECRET, { ...hdr, id: "evt-2" }, body, now), false);
  });

  it("during a secret rotation both secrets verify", () => {
    const both = signedHeaders(["new-secret-1234567", SECRET], "evt-9", now, body);
    const hdr = { id: "evt-9", timestamp: String(now), signatures: both["webhook-signature"]! };
    assert.equal(verifySignature("new-secret-1234567", hdr, body, now), true);
    assert.equal(verifySignature(SECRET, hdr, body, now), true);
    assert.equal(both["x-mlflow-signature"], signature("new-secret-1234567", "evt-9", now, body));
  });
});

describe("webhook target checks (SSRF)", () => {
  async function refused(url: string, rules = strict): Promise<void> {
    await assert.rejects(checkTargetUrl(url, rules), (err: unknown) => {
      assert.ok(err instanceof FlowgateError, url);
      assert.equal(err.code, "INVALID_PARAMETER_VALUE");
      return true;
    });
  }

  it("refuses plain http, cloud metadata and loopback in every spelling", async () => {
    for (const url of [
      "http://169.254.169.254/latest/meta-data/",
      "https://169.254.169.254/latest/meta-data/",
      "https://127.0.0.1/x",
      "https://[::1]/x",
      "https://0x7f000001/x",
      "https://2130706433/x",
      "https://017700000001/x",
      "https://127.1/x",
      "https://[::ffff:127.0.0.1]/x",
      "https://10.0.0.8/x",
      "https://192.168.1.1/x",
      "https://172.16.0.1/x",
      "https://100.64.0.1/x",
      "https://[fe80::1]/x",
      "https://[fd00::1]/x",
      "https://0.0.0.0/x",
      "https://localhost/x",
      "https://intranet/x",
      "https://user:pw@example.com/x",
      "ftp://example.com/x",
      "file:///etc/passwd",
      "not a url",
    ]) {
      await refused(url);
    }
  });

  it("accepts a public https address, and private ones only when the admin allows them", async () => {
    assert.equal((await checkTargetUrl("https://93.184.215.14/hook", strict)).hostname, "93.184.215.14");
    await refused("http://127.0.0.1:9/hook", { allowHttp: true, allowPrivate: false });
    const ok = await checkTargetUrl("http://127.0.0.1:9/hook", { allowHttp: true, allowPrivate: true });
    assert.equal(ok.port, "9");
  });

  it("classifies special addresses", () => {
    for (const a of ["127.0.0.1", "::1", "169.254.1.1", "::ffff:10.1.2.3", "fc00::1", "224.0.0.1"]) {
      assert.equal(isSpecialAddress(a), true, a);
    }
    for (const a of ["8.8.8.8", "2606:4700:4700::1111"]) assert.equal(isSpecialAddress(a), false, a);
  });

  it("looks through IPv6 forms that embed an IPv4 address before the range check", async () => {
    for (const url of [
      "https://[::127.0.0.1]/x",
      "https://[::7f00:1]/x",
      "https://[::ffff:0:7f00:1]/x",
      "https://[::ffff:0:169.254.169.254]/x",
      "https://[::ffff:a9fe:a9fe]/x",
      "https://[2002:7f00:1::]/x",
      "https://[2002:a9fe:a9fe::1]/x",
      "https://[64:ff9b::127.0.0.1]/x",
      "https://[64:ff9b::a00:8]/x",
      "https://[64:ff9b:1::a00:8]/x",
      // Teredo: server 127.0.0.1, and separately a client 10.0.0.1 (stored XOR 0xffff).
      "https://[2001:0:7f00:1::1]/x",
      "https://[2001:0:5db8:d822::f5ff:fffe]/x",
      "https://[::]/x",
      "https://[100::1]/x",
      "https://[2001:db8::1]/x",
    ]) {
      await refused(url);
    }
  });

  it("classifies embedded IPv4 by the address it carries, public ones included", () => {
    for (const a of [
      "::127.0.0.1",
      "::ffff:0:7f00:1",
      "2002:7f00:1::",
      "64:ff9b::7f00:1",
      "2001:0:7f00:1::",
    ]) {
      assert.equal(isSpecialAddress(a), true, a);
    }
    // The same forms around 8.8.8.8 reach a public host (a Teredo client of 8.8.8.8 is f7f7:f7f7).
    for (const a of ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "2001:0:808:808::f7f7:f7f7"]) {
      assert.equal(isSpecialAddress(a), false, a);
    }
  });

  it("checks the connected peer address, so a target that became private is refused at connect time", async () => {
    const receiver = new Receiver(SECRET);
    await receiver.start();
    try {
      const result = await sendWebhook(
        receiver.url,
        {},
        "{}",
        { allowHttp: true, allowPrivate: false },
        5000,
      );
      assert.equal(result.status, undefined);
      assert.match(result.error ?? "", /private, loopback or link-local/);
      assert.equal(receiver.received.length, 0);
    } finally {
      await receiver.stop();
    }
  });

  it("never follows a redirect: a 3xx is a failed attempt and the redirect target gets nothing", async () => {
    const target = new Receiver(SECRET);
    await target.start();
    const redirector = new Receiver(SECRET);
    redirector.respond = () => ({ status: 302, headers: { location: target.url } });
    await redirector.start();
    try {
      const result = await sendWebhook(
        redirector.url,
        {},
        "{}",
        { allowHttp: true, allowPrivate: true },
        5000,
      );
      assert.equal(result.status, 302);
      assert.equal(target.received.length, 0);
    } finally {
      await target.stop();
      await redirector.stop();
    }
  });
});
