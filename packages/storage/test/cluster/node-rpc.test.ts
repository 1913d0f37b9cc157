/**
 * Node RPC against a real listener: requests multiplexed on one connection and answered in any order,
 * the same port still serving HTTP/1.1, the errors a caller tells apart (a refused connection keeps
 * its code; a timeout, an abort or a closed connection fail what was in flight, and the next request
 * opens a new connection), and the bounds (answer size, frame size).
 */
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  NodeRequestTimeoutError,
  NodeResponseTooLargeError,
  nodeAddress,
} from "../../src/cluster/node-http.js";
import {
  maxRpcFrameBytes,
  NodeConnectionClosedError,
  RpcConnections,
  rpcPreface,
  serveRpcConnection,
} from "../../src/cluster/node-rpc.js";
import { type Exchange, Http1Server } from "../../src/http/http1-server.js";
import type { ParsedRequest } from "../../src/http/request-parser.js";
import { findFreePort } from "../support/free-port.js";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Handler = (request: ParsedRequest, exchange: Exchange) => void;

/** A node's listener: HTTP/1.1 and node RPC on one port, both served by `handler`. */
async function listen(handler: Handler): Promise<{ url: string; rpcConnections: () => number }> {
  let rpcConnections = 0;
  const server = new Http1Server(
    { handle: handler, refuse: (error) => ({ headerLines: "", body: error.message }) },
    {
      upgrade: {
        preface: rpcPreface,
        accept: (socket, rest) => {
          rpcConnections++;
          serveRpcConnection(socket, rest, handler);
        },
      },
    },
  );
  const { port } = await server.listen(0, "127.0.0.1");
  cleanups.push(() => server.close(0));
  return { url: `http://127.0.0.1:${port}`, rpcConnections: () => rpcConnections };
}

function client(): RpcConnections {
  const connections = new RpcConnections();
  cleanups.push(() => connections.destroy());
  return connections;
}

const echo: Handler = (request, exchange) =>
  exchange.respond(
    201,
    "",
    `${request.method} ${request.url} ${request.headers["x-test"] ?? "-"} ${request.body.toString("utf8")}`,
  );

describe("node RPC", () => {
  it("answers requests sent together on one connection, each with its own answer, in any order", async () => {
    const held: (() => void)[] = [];
    const node = await listen((request, exchange) => {
      if (request.method === "GET") return echo(request, exchange);
      held.push(() => echo(request, exchange));
      // Answer the whole lot backwards once all have arrived.
      if (held.length === 50) for (const answer of held.reverse()) answer();
    });
    const connections = client();
    const answers = await Promise.all(
      Array.from(
        { length: 50 },
        (_, k) =>
          connections.request(nodeAddress(node.url), {
            method: "POST",
            path: `/cluster/x${k}`,
            headers: { "x-test": `ü${k}` },
            body: `body ${k} ✓`,
            timeoutMs: 5_000,
          }).answer,
      ),
    );
    expect(answers).toEqual(
      Array.from({ length: 50 }, (_, k) => ({ status: 201, body: `POST /cluster/x${k} ü${k} body ${k} ✓` })),
    );
    expect(node.rpcConnections()).toBe(1);
    const get = await connections.request(nodeAddress(node.url), {
      method: "GET",
      path: "/cluster/status",
      timeoutMs: 5_000,
    }).answer;
    expect(get).toEqual({ status: 201, body: "GET /cluster/status - " });
    expect(node.rpcConnections()).toBe(1);
  });

  it("leaves the port serving HTTP/1.1, and takes a preface that arrives a byte at a time", async () => {
    const node = await listen(echo);
    const http = await fetch(`${node.url}/cluster/status`, { headers: { "x-test": "1" } });
    expect(await http.text()).toBe("GET /cluster/status 1 ");
    const { port } = new URL(node.url);
    const socket = connect({ host: "127.0.0.1", port: Number(port) });
    cleanups.push(() => void socket.destroy());
    await new Promise((resolve) => socket.once("connect", resolve));
    for (const byte of rpcPreface) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // A GET request frame for "/x" with id 7, sent by hand.
    const frame = Buffer.from([11, 0, 0, 0, 7, 0, 0, 0, 1, 0, 2, 0, ...Buffer.from("/x"), 0]);
    socket.write(frame.subarray(0, frame.length - 1));
    const answer = new Promise<Buffer>((resolve) => socket.once("data", resolve));
    socket.write(frame.subarray(frame.length - 1));
    const bytes = await answer;
    expect(bytes.readUInt32LE(4)).toBe(7);
    expect(bytes.readUInt16LE(9)).toBe(201);
    expect(bytes.toString("utf8", 11)).toBe("GET /x - ");
    expect(node.rpcConnections()).toBe(1);
  });

  it("rejects requests to a node that refuses the connection with the refusal's code: never sent", async () => {
    const port = await findFreePort();
    const request = client().request(nodeAddress(`http://127.0.0.1:${port}`), {
      method: "GET",
      path: "/cluster/status",
      timeoutMs: 5_000,
    });
    await expect(request.answer).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("fails everything in flight when a request times out, and opens a new connection after", async () => {
    let silent = true;
    const node = await listen((request, exchange) => {
      if (!silent) echo(request, exchange);
    });
    const connections = client();
    const address = nodeAddress(node.url);
    const slow = connections.request(address, { method: "GET", path: "/a", timeoutMs: 5_000 });
    const timed = connections.request(address, { method: "GET", path: "/b", timeoutMs: 100 });
    await expect(timed.answer).rejects.toBeInstanceOf(NodeRequestTimeoutError);
    await expect(slow.answer).rejects.toBeInstanceOf(NodeRequestTimeoutError);
    silent = false;
    const next = await connections.request(address, { method: "GET", path: "/c", timeoutMs: 5_000 }).answer;
    expect(next.body).toBe("GET /c - ");
    expect(node.rpcConnections()).toBe(2);
  });

  it("fails what is in flight with the abort's error, and with a closed-connection error when the node goes", async () => {
    const exchanges: Exchange[] = [];
    const node = await listen((_request, exchange) => exchanges.push(exchange));
    const connections = client();
    const address = nodeAddress(node.url);
    const first = connections.request(address, { method: "GET", path: "/a", timeoutMs: 5_000 });
    const second = connections.request(address, { method: "GET", path: "/b", timeoutMs: 5_000 });
    await expect.poll(() => exchanges.length).toBe(2);
    const unreachable = new Error("the node looks unreachable");
    first.abort(unreachable);
    await expect(first.answer).rejects.toBe(unreachable);
    await expect(second.answer).rejects.toBe(unreachable);
    // A late answer to an abandoned request is dropped.
    exchanges[0]!.respond(200, "", "late");

    const third = connections.request(address, { method: "GET", path: "/c", timeoutMs: 5_000 });
    await expect.poll(() => exchanges.length).toBe(3);
    await cleanups.shift()!(); // the listener's close: its RPC connections are cut
    await expect(third.answer).rejects.toBeInstanceOf(NodeConnectionClosedError);
  });

  it("carries bodies of megabytes both ways, whatever chunks the socket cuts them into", async () => {
    const node = await listen((request, exchange) =>
      exchange.respond(200, "", request.body.toString().toUpperCase()),
    );
    const connections = client();
    const bodies = ["a", "b", "c"].map((letter) => letter.repeat(3 * 1024 * 1024));
    const answers = await Promise.all(
      bodies.map(
        (body) =>
          connections.request(nodeAddress(node.url), {
            method: "POST",
            path: "/big",
            body,
            timeoutMs: 10_000,
          }).answer,
      ),
    );
    expect(answers.map((answer) => answer.body === answer.body.toUpperCase() && answer.body.length)).toEqual([
      3 * 1024 * 1024,
      3 * 1024 * 1024,
      3 * 1024 * 1024,
    ]);
    expect(answers.map((answer) => answer.body[0])).toEqual(["A", "B", "C"]);
  });

  it("refuses an answer over the request's bound", async () => {
    const node = await listen((_request, exchange) => exchange.respond(200, "", "x".repeat(2_000)));
    const request = client().request(nodeAddress(node.url), {
      method: "GET",
      path: "/big",
      timeoutMs: 5_000,
      maxResponseBytes: 1_000,
    });
    await expect(request.answer).rejects.toBeInstanceOf(NodeResponseTooLargeError);
  });

  it("closes a connection that announces a frame over the bound, before reading it", async () => {
    const node = await listen(echo);
    const { port } = new URL(node.url);
    const socket = connect({ host: "127.0.0.1", port: Number(port) });
    cleanups.push(() => void socket.destroy());
    const closed = new Promise((resolve) => socket.once("close", resolve));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(maxRpcFrameBytes + 1, 0);
    socket.write(Buffer.concat([rpcPreface, length]));
    await closed;
    expect(node.rpcConnections()).toBe(1);
  });
});
