/**
 * The HTTP/1.1 layer on a real port through raw sockets: pipelining answered in order, requests split
 * into single bytes, chunked bodies, keep-alive and `Connection: close`, `Expect: 100-continue`, HEAD,
 * every bound (header bytes and count, body, pipelined requests, headers, request and keep-alive
 * timeouts) and every malformed framing answered with its status and a clean close, and graceful close.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { HttpProtocolError } from "../../src/http/errors.js";
import { type Exchange, Http1Server, type Http1ServerOptions } from "../../src/http/http1-server.js";
import type { ParsedRequest } from "../../src/http/request-parser.js";
import { RawConnection, rawRequest } from "./raw-http.js";

/** Answers every request with what it saw; `delayed` requests wait until the test releases them. */
class EchoHandler {
  readonly delayed: Array<() => void> = [];
  delayAll = false;
  handled = 0;

  handle(request: ParsedRequest, exchange: Exchange): void {
    this.handled++;
    const answer = () =>
      exchange.respond(
        200,
        "content-type: application/json\r\n",
        JSON.stringify({
          method: request.method,
          url: request.url,
          body: request.body.toString("utf8"),
          marker: request.headers["x-marker"],
          constructorHeader: request.headers.constructor,
          protoHeader: Object.getOwnPropertyDescriptor(request.headers, "__proto__")?.value,
          pad:
            request.headers["x-pad"] === undefined ? undefined : "p".repeat(Number(request.headers["x-pad"])),
        }),
      );
    if (this.delayAll || request.headers["x-delay"] !== undefined) this.delayed.push(answer);
    else answer();
  }

  refuse(error: HttpProtocolError) {
    return { headerLines: "content-type: application/json\r\n", body: JSON.stringify({ code: error.code }) };
  }
}

const opened: Array<{ server: Http1Server; connections: RawConnection[] }> = [];

async function start(options: Http1ServerOptions = {}) {
  const handler = new EchoHandler();
  const server = new Http1Server(handler, { maxBodyBytes: 1024, ...options });
  const { port } = await server.listen(0, "127.0.0.1");
  const entry = { server, connections: [] as RawConnection[] };
  opened.push(entry);
  const connect = async () => {
    const connection = await RawConnection.open(port);
    entry.connections.push(connection);
    return connection;
  };
  return { server, handler, port, connect };
}

afterEach(async () => {
  for (const { server, connections } of opened.splice(0)) {
    for (const connection of connections) connection.destroy();
    await server.close(0);
  }
});

async function expectRefusal(connection: RawConnection, status: number, code: string) {
  const response = await connection.readResponse();
  expect(response.status).toBe(status);
  expect(response.headers.connection).toBe("close");
  expect(JSON.parse(response.body)).toEqual({ code });
  await connection.waitForClose();
}

describe("framing", () => {
  it("answers pipelined requests in order, a body and the next request sharing one write", async () => {
    const { connect } = await start();
    const connection = await connect();
    await connection.write(
      rawRequest("POST", "/a", "first") + rawRequest("POST", "/b", "") + rawRequest("POST", "/c", "third"),
    );
    const answers = [
      await connection.readResponse(),
      await connection.readResponse(),
      await connection.readResponse(),
    ];
    expect(answers.map((answer) => JSON.parse(answer.body))).toEqual([
      { method: "POST", url: "/a", body: "first" },
      { method: "POST", url: "/b", body: "" },
      { method: "POST", url: "/c", body: "third" },
    ]);
    expect(answers[0]!.headers.connection).toBe("keep-alive");
    expect(answers[0]!.headers["content-length"]).toBe(String(Buffer.byteLength(answers[0]!.body)));
    expect(answers[0]!.headers.date).toMatch(/GMT$/);
    expect(connection.closed).toBe(false);
  });

  it("keeps answers in order when earlier requests finish later", async () => {
    const { connect, handler } = await start();
    const connection = await connect();
    await connection.write(
      rawRequest("POST", "/slow", "", { "content-length": "0", "x-delay": "1" }) +
        rawRequest("POST", "/fast", ""),
    );
    const deadline = Date.now() + 5_000;
    while (handler.delayed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // Only one request is in flight per connection: the second waits for the first's answer.
    expect(handler.handled).toBe(1);
    handler.delayed.shift()!();
    expect(JSON.parse((await connection.readResponse()).body).url).toBe("/slow");
    expect(JSON.parse((await connection.readResponse()).body).url).toBe("/fast");
  });

  it("pauses reading beyond maxPipelinedRequests and still answers every request in order", async () => {
    const { connect } = await start({ maxPipelinedRequests: 2 });
    const connection = await connect();
    const count = 40;
    let bytes = "";
    for (let index = 0; index < count; index++) bytes += rawRequest("POST", `/${index}`, `body ${index}`);
    await connection.write(bytes);
    for (let index = 0; index < count; index++) {
      expect(JSON.parse((await connection.readResponse()).body)).toEqual({
        method: "POST",
        url: `/${index}`,
        body: `body ${index}`,
      });
    }
  });

  it("stops taking requests while the client leaves its answers unread", async () => {
    const { connect, handler } = await start({ maxPipelinedRequests: 4 });
    const connection = await connect();
    connection.pauseReading();
    const count = 200;
    let bytes = "";
    for (let index = 0; index < count; index++) {
      bytes += rawRequest("GET", `/${index}`, "", { "x-pad": String(64 * 1024) });
    }
    await connection.write(bytes);
    const settleLimit = Date.now() + 2_000;
    let seen = -1;
    while (handler.handled !== seen && Date.now() < settleLimit) {
      seen = handler.handled;
      await new Promise((r) => setTimeout(r, 100));
    }
    // 200 answers of 64 KiB would be 12.5 MiB buffered; only what socket buffers hold is answered.
    expect(handler.handled).toBeLessThan(count / 2);
    connection.resumeReading();
    for (let index = 0; index < count; index++) {
      expect(JSON.parse((await connection.readResponse()).body).url).toBe(`/${index}`);
    }
  });

  it("reads a request (head and Content-Length body) sent one byte at a time", async () => {
    const { connect } = await start();
    const connection = await connect();
    await connection.writeByteByByte(
      rawRequest("POST", "/split", "é and more", { "Content-Length": "11", "X-Marker": "m" }),
    );
    expect(JSON.parse((await connection.readResponse()).body)).toEqual({
      method: "POST",
      url: "/split",
      body: "é and more",
      marker: "m",
    });
  });

  it("reads a chunked body, with extensions and trailers, also one byte at a time", async () => {
    const { connect } = await start();
    const connection = await connect();
    const request = rawRequest(
      "POST",
      "/chunked",
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: t\r\n\r\n",
      {
        "Transfer-Encoding": "chunked",
      },
    );
    await connection.write(request);
    expect(JSON.parse((await connection.readResponse()).body).body).toBe("hello world");
    await connection.writeByteByByte(request);
    expect(JSON.parse((await connection.readResponse()).body).body).toBe("hello world");
  });

  it("takes header names in any case and ignores empty lines before a request", async () => {
    const { connect } = await start();
    const connection = await connect();
    await connection.write(`\r\nPOST /case HTTP/1.1\r\nCONTENT-LENGTH: 2\r\nx-MARKER: up\r\n\r\nok`);
    expect(JSON.parse((await connection.readResponse()).body)).toEqual({
      method: "POST",
      url: "/case",
      body: "ok",
      marker: "up",
    });
  });

  it("keeps headers named like Object members as plain headers", async () => {
    const { connect } = await start();
    const connection = await connect();
    await connection.write("POST / HTTP/1.1\r\nconstructor: c\r\n__proto__: p\r\ncontent-length: 0\r\n\r\n");
    expect(JSON.parse((await connection.readResponse()).body)).toMatchObject({
      constructorHeader: "c",
      protoHeader: "p",
    });
  });

  it("sends the head only for HEAD, with the Content-Length a GET would get", async () => {
    const { connect } = await start();
    const connection = await connect();
    await connection.write(rawRequest("HEAD", "/h", "", {}) + rawRequest("GET", "/h", "", {}));
    const head = await connection.readResponse(true);
    const get = await connection.readResponse();
    expect(head.body).toBe("");
    expect(head.headers["content-length"]).toBe(
      String(Buffer.byteLength(JSON.stringify({ method: "HEAD", url: "/h", body: "" }))),
    );
    expect(JSON.parse(get.body).method).toBe("GET");
  });
});

describe("connection lifetime", () => {
  it("closes after answering a request with Connection: close, ignoring what follows", async () => {
    const { connect, handler } = await start();
    const connection = await connect();
    await connection.write(
      rawRequest("POST", "/1", "", { "content-length": "0", connection: "close" }) +
        rawRequest("POST", "/2", ""),
    );
    const response = await connection.readResponse();
    expect(response.headers.connection).toBe("close");
    await connection.waitForClose();
    expect(handler.handled).toBe(1);
    expect(connection.unread).toBe("");
  });

  it("closes after an HTTP/1.0 request unless it asks for keep-alive", async () => {
    const { connect } = await start();
    const plain = await connect();
    await plain.write("GET /old HTTP/1.0\r\n\r\n");
    expect((await plain.readResponse()).headers.connection).toBe("close");
    await plain.waitForClose();
    const kept = await connect();
    await kept.write("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect((await kept.readResponse()).headers.connection).toBe("keep-alive");
    expect(kept.closed).toBe(false);
  });

  it("answers the requests a client sent before half-closing, then closes", async () => {
    const { connect } = await start();
    const connection = await connect();
    await connection.write(rawRequest("POST", "/a", "x") + rawRequest("POST", "/b", "y"));
    connection.endWriting();
    expect(JSON.parse((await connection.readResponse()).body).url).toBe("/a");
    expect(JSON.parse((await connection.readResponse()).body).url).toBe("/b");
    await connection.waitForClose();
  });

  it("closes an idle keep-alive connection after keepAliveTimeoutMs", async () => {
    const { connect } = await start({ keepAliveTimeoutMs: 100 });
    const connection = await connect();
    await connection.write(rawRequest("POST", "/", ""));
    expect((await connection.readResponse()).headers["keep-alive"]).toMatch(/^timeout=\d+$/);
    await connection.waitForClose();
    expect(connection.unread).toBe("");
  });

  it("answers Expect: 100-continue before the body is sent", async () => {
    const { connect } = await start();
    const connection = await connect();
    await connection.write(`POST /continue HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n`);
    const interim = await connection.readResponse(true);
    expect(interim.status).toBe(100);
    await connection.write("body");
    expect(JSON.parse((await connection.readResponse()).body).body).toBe("body");
  });

  it("drains requests in flight at close, answering them with Connection: close", async () => {
    const { connect, handler, server, port } = await start();
    const busy = await connect();
    const idle = await connect();
    await idle.write(rawRequest("POST", "/idle", ""));
    await idle.readResponse();
    await busy.write(rawRequest("POST", "/busy", "", { "content-length": "0", "x-delay": "1" }));
    const deadline = Date.now() + 5_000;
    while (handler.delayed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const closed = server.close(10_000);
    await idle.waitForClose();
    handler.delayed.shift()!();
    const response = await busy.readResponse();
    expect(response.status).toBe(200);
    expect(response.headers.connection).toBe("close");
    await busy.waitForClose();
    await closed;
    await expect(RawConnection.open(port)).rejects.toThrow();
  });

  it("cuts a request still in flight when drainTimeoutMs passes", async () => {
    const { connect, handler, server } = await start();
    handler.delayAll = true;
    const connection = await connect();
    await connection.write(rawRequest("POST", "/never", ""));
    const deadline = Date.now() + 5_000;
    while (handler.delayed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await server.close(50);
    await connection.waitForClose();
    expect(connection.unread).toBe("");
  });
});

describe("bounds and malformed requests", () => {
  it("answers 431 to a head over maxHeaderBytes, complete or not", async () => {
    const { connect } = await start({ maxHeaderBytes: 512 });
    const complete = await connect();
    await complete.write(rawRequest("GET", "/", "", { "x-big": "a".repeat(600) }));
    await expectRefusal(complete, 431, "HEADERS_TOO_LARGE");
    const endless = await connect();
    await endless.write(`GET / HTTP/1.1\r\nx-big: ${"a".repeat(600)}`);
    await expectRefusal(endless, 431, "HEADERS_TOO_LARGE");
  });

  it("answers 431 to more headers than maxHeaderCount", async () => {
    const { connect } = await start({ maxHeaderCount: 5 });
    const headers: Record<string, string> = {};
    for (let index = 0; index < 6; index++) headers[`x-h${index}`] = "v";
    const connection = await connect();
    await connection.write(rawRequest("GET", "/", "", headers));
    await expectRefusal(connection, 431, "HEADERS_TOO_LARGE");
  });

  it("answers 413 to a declared body over maxBodyBytes without waiting for it", async () => {
    const { connect, handler } = await start();
    const connection = await connect();
    await connection.write(rawRequest("POST", "/", "", { "content-length": "1025" }));
    await expectRefusal(connection, 413, "REQUEST_TOO_LARGE");
    expect(handler.handled).toBe(0);
  });

  it("answers 413 to a chunked body once it passes maxBodyBytes", async () => {
    const { connect } = await start();
    const connection = await connect();
    const piece = "a".repeat(600);
    await connection.write(
      rawRequest("POST", "/", `258\r\n${piece}\r\n258\r\n${piece}\r\n`, { "transfer-encoding": "chunked" }),
    );
    await expectRefusal(connection, 413, "REQUEST_TOO_LARGE");
  });

  it("answers earlier pipelined requests before refusing a later one", async () => {
    const { connect } = await start();
    const connection = await connect();
    await connection.write(rawRequest("POST", "/fine", "ok") + "NONSENSE\r\n\r\n");
    expect(JSON.parse((await connection.readResponse()).body).url).toBe("/fine");
    await expectRefusal(connection, 400, "MALFORMED_REQUEST");
  });

  it.each([
    ["a request line without a version", "GET /\r\n\r\n", 400, "MALFORMED_REQUEST"],
    ["HTTP/2 in a request line", "GET / HTTP/2.0\r\n\r\n", 400, "MALFORMED_REQUEST"],
    ["a header line without a colon", "GET / HTTP/1.1\r\nno colon here\r\n\r\n", 400, "MALFORMED_REQUEST"],
    ["a space before a header's colon", "GET / HTTP/1.1\r\nhost : x\r\n\r\n", 400, "MALFORMED_REQUEST"],
    ["a folded header line", "GET / HTTP/1.1\r\nx-a: 1\r\n  continued\r\n\r\n", 400, "MALFORMED_REQUEST"],
    [
      "a non-numeric Content-Length",
      "POST / HTTP/1.1\r\ncontent-length: 1x\r\n\r\n",
      400,
      "MALFORMED_REQUEST",
    ],
    ["a negative Content-Length", "POST / HTTP/1.1\r\ncontent-length: -1\r\n\r\n", 400, "MALFORMED_REQUEST"],
    [
      "two Content-Length headers",
      "POST / HTTP/1.1\r\ncontent-length: 2\r\nContent-Length: 2\r\n\r\nok",
      400,
      "DUPLICATE_CONTENT_LENGTH",
    ],
    [
      "both Content-Length and Transfer-Encoding",
      "POST / HTTP/1.1\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
      400,
      "MALFORMED_REQUEST",
    ],
    [
      "a bad chunk size",
      "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
      400,
      "MALFORMED_REQUEST",
    ],
    [
      "a chunk longer than its size",
      "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n2\r\nokay\r\n0\r\n\r\n",
      400,
      "MALFORMED_REQUEST",
    ],
    [
      "a transfer coding other than chunked",
      "POST / HTTP/1.1\r\ntransfer-encoding: gzip\r\n\r\n",
      501,
      "UNSUPPORTED_TRANSFER_ENCODING",
    ],
    [
      "an Expect other than 100-continue",
      "POST / HTTP/1.1\r\ncontent-length: 2\r\nexpect: magic\r\n\r\nok",
      417,
      "EXPECTATION_FAILED",
    ],
  ])("answers %s with its status and closes", async (_name, bytes, status, code) => {
    const { connect, handler } = await start();
    const connection = await connect();
    await connection.write(bytes);
    await expectRefusal(connection, status, code);
    expect(handler.handled).toBe(0);
  });

  it("answers 408 to a head that does not arrive within headersTimeoutMs (slowloris)", async () => {
    const { connect } = await start({ headersTimeoutMs: 100 });
    const connection = await connect();
    await connection.write("POST / HTTP/1.1\r\nx-slow: ");
    await expectRefusal(connection, 408, "REQUEST_TIMEOUT");
  });

  it("answers 408 to a body that does not arrive within requestTimeoutMs", async () => {
    const { connect } = await start({ requestTimeoutMs: 100 });
    const connection = await connect();
    await connection.write(rawRequest("POST", "/", "", { "content-length": "10" }) + "ab");
    await expectRefusal(connection, 408, "REQUEST_TIMEOUT");
  });
});
