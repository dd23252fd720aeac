// A client that sends its request slowly (1 byte a second, a "slowloris") cannot hold a serving socket: the
// headers and the whole request each have a deadline, after which the serving process answers 408 and closes the
// connection (issue 10, defect 13). The deadlines are configurable; here they are short.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { modelDir, serveForTest } from "./support/serving-fixtures.js";

/**
 * Opens a raw TCP connection, writes `head` at once, then one byte of `drip` per second until the server
 * closes the connection. Resolves with everything the server sent.
 */
function trickle(url: string, head: string, drip: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = "";
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding("utf8");
    socket.on("connect", () => {
      socket.write(head);
      timer = setInterval(() => {
        if (!socket.writable) return;
        socket.write(drip[sent % drip.length] as string);
        sent++;
      }, 1000);
    });
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("error", () => undefined); // a reset after the 408 is still a closed connection
    socket.on("close", () => {
      clearInterval(timer);
      resolve(received);
    });
  });
}

describe("serving request deadlines", () => {
  let server: Awaited<ReturnType<typeof serveForTest>>;
  before(async () => {
    server = await serveForTest(await modelDir("classifier"), {
      bodyTimeoutSeconds: 3,
      headersTimeoutSeconds: 2,
    });
  });
  after(async () => {
    await server?.stop();
  });

  test("a body sent at 1 byte/s is answered 408 and the connection is closed", async () => {
    const head =
      "POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
      "Content-Length: 100000\r\n\r\n";
    const answer = await trickle(server.url, head, '{"inputs": [1, 2, 3, 4, 5, 6, 7, 8]}');
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /"error_code":"BAD_REQUEST"/);
    assert.match(answer, /not received in time/);
  });

  test("headers sent at 1 byte/s are answered 408 and the connection is closed", async () => {
    const answer = await trickle(
      server.url,
      "POST /invocations HTTP/1.1\r\n",
      "X-Slow: aaaaaaaaaaaaaaaa\r\n",
    );
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });

  test("the process keeps answering other clients", async () => {
    assert.equal((await fetch(`${server.url}/ping`)).status, 200);
  });
});
