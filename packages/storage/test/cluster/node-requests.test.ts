/**
 * Node-to-node HTTP against real listeners on the loopback interface: `requestNode` keeps its
 * connection alive, reports refused connections by their code, fails silent, oversized and abandoned
 * requests with their own errors; `PeerTransport` sends what the groups of one turn queue as one batch.
 */
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  NodeRequestTimeoutError,
  NodeResponseTooLargeError,
  nodeAddress,
  PeerTransport,
  raftMessagesPath,
  requestNode,
} from "../../src/cluster/transport.js";
import { decodeBatch, type MessageBatch } from "../../src/cluster/wire.js";
import type { Message } from "../../src/replication/index.js";
import { findFreePort } from "../support/free-port.js";

/** Batches a test waits for at most. */
const maxBatchesWaited = 100;

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ server: Server; url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer(handler);
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, connections: () => connections };
}

function keepAliveAgent(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  cleanups.push(() => agent.destroy());
  return agent;
}

function heartbeat(to: string, term: number): Message {
  return { type: "heartbeat", from: "a", to, term, commit: 0, readContext: undefined } as Message;
}

describe("requestNode", () => {
  it("answers with status and body, reusing one kept-alive connection", async () => {
    const node = await listen((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => response.writeHead(201).end(`echo:${request.method}:${request.url}:${body}`));
    });
    const agent = keepAliveAgent();
    for (let round = 0; round < 3; round++) {
      const answer = await requestNode(agent, nodeAddress(node.url), {
        method: "POST",
        path: "/cluster/x",
        body: `ü${round}`,
        timeoutMs: 5_000,
      }).answer;
      expect(answer).toEqual({ status: 201, body: `echo:POST:/cluster/x:ü${round}` });
    }
    expect(node.connections()).toBe(1);
  });

  it("rejects a refused connection with its code, so a caller knows it was never sent", async () => {
    const port = await findFreePort();
    const request = requestNode(keepAliveAgent(), nodeAddress(`http://127.0.0.1:${port}`), {
      method: "GET",
      path: "/cluster/status",
      timeoutMs: 5_000,
    });
    await expect(request.answer).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("fails a request whose node stays silent past its timeout", async () => {
    const node = await listen(() => undefined);
    const request = requestNode(keepAliveAgent(), nodeAddress(node.url), {
      method: "GET",
      path: "/cluster/status",
      timeoutMs: 50,
    });
    await expect(request.answer).rejects.toBeInstanceOf(NodeRequestTimeoutError);
  });

  it("fails an answer larger than its bound", async () => {
    const node = await listen((_request, response) => response.end("x".repeat(10_000)));
    const request = requestNode(keepAliveAgent(), nodeAddress(node.url), {
      method: "GET",
      path: "/",
      timeoutMs: 5_000,
      maxResponseBytes: 1_000,
    });
    await expect(request.answer).rejects.toBeInstanceOf(NodeResponseTooLargeError);
  });

  it("fails an aborted request with the caller's error, also after the answer began", async () => {
    const node = await listen((request, response) => {
      if (request.url === "/half") response.writeHead(200).write("partial");
    });
    const agent = keepAliveAgent();
    for (const path of ["/never", "/half"]) {
      let headersSeen!: () => void;
      const seen = new Promise<void>((resolve) => {
        headersSeen = resolve;
      });
      node.server.once("request", () => setTimeout(headersSeen, 20));
      const request = requestNode(agent, nodeAddress(node.url), { method: "GET", path, timeoutMs: 5_000 });
      await seen;
      const reason = new Error(`given up on ${path}`);
      request.abort(reason);
      await expect(request.answer).rejects.toBe(reason);
    }
  });

  it("refuses a base URL that is not plain http", () => {
    expect(() => nodeAddress("https://127.0.0.1:1")).toThrow(RangeError);
  });
});

describe("PeerTransport", () => {
  it("sends the messages of every group queued in one turn as one batch", async () => {
    const batches: MessageBatch[] = [];
    const node = await listen((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        if (request.url === raftMessagesPath) batches.push(decodeBatch(body));
        response.writeHead(204).end();
      });
    });
    const transport = new PeerTransport({ nodeId: "a", peerUrls: new Map([["b", node.url]]) });
    cleanups.push(() => transport.close());
    transport.send("meta", [heartbeat("b", 1)]);
    transport.send("p0", [heartbeat("b", 2), heartbeat("unknown", 3)]);
    for (let waited = 0; batches.length === 0 && waited < maxBatchesWaited; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(batches).toEqual([
      {
        from: "a",
        messages: [
          { group: "meta", message: heartbeat("b", 1) },
          { group: "p0", message: heartbeat("b", 2) },
        ],
      },
    ]);
    transport.send("meta", [heartbeat("b", 4)]);
    for (let waited = 0; batches.length === 1 && waited < maxBatchesWaited; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(batches).toHaveLength(2);
    expect(node.connections()).toBe(1);
  });
});
