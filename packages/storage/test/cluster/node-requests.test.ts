/**
 * Node-to-node HTTP against real listeners on the loopback interface: `requestNode` keeps its
 * connection alive, reads every framing a `node:http` server answers with, holds requests beyond its
 * connection bound, reports refused connections by their code, fails silent, oversized, malformed and
 * abandoned requests with their own errors; `PeerTransport` sends what the groups of one turn queue as
 * one batch and hands a peer's answering messages to its receiver.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  coalesce,
  NodeConnections,
  NodeRequestTimeoutError,
  NodeResponseError,
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

function keepAliveAgent(): NodeConnections {
  const agent = new NodeConnections({ maxConnectionsPerNode: 4 });
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

  it("reads a chunked answer and one that runs to the end of its connection", async () => {
    const node = await listen((request, response) => {
      if (request.url === "/chunked") {
        response.writeHead(200, { "content-type": "text/plain" });
        response.write("first ");
        setTimeout(() => response.end("ü second"), 10);
        return;
      }
      // HTTP/1.0 framing: no length, no chunks; the body ends with the connection.
      request.socket.end("HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nto the end");
    });
    const agent = keepAliveAgent();
    const address = nodeAddress(node.url);
    for (let round = 0; round < 2; round++) {
      const chunked = await requestNode(agent, address, { method: "GET", path: "/chunked", timeoutMs: 5_000 })
        .answer;
      expect(chunked).toEqual({ status: 200, body: "first ü second" });
    }
    const toEnd = await requestNode(agent, address, { method: "GET", path: "/to-end", timeoutMs: 5_000 })
      .answer;
    expect(toEnd).toEqual({ status: 200, body: "to the end" });
    const after = await requestNode(agent, address, { method: "GET", path: "/chunked", timeoutMs: 5_000 })
      .answer;
    expect(after.body).toBe("first ü second");
  });

  it("holds requests beyond its connection bound until a connection is free, then answers them all", async () => {
    let concurrent = 0;
    let mostConcurrent = 0;
    const node = await listen((request, response) => {
      concurrent++;
      mostConcurrent = Math.max(mostConcurrent, concurrent);
      setTimeout(() => {
        concurrent--;
        response.writeHead(200, { "content-length": Buffer.byteLength(request.url ?? "") }).end(request.url);
      }, 5);
    });
    const connections = new NodeConnections({ maxConnectionsPerNode: 2 });
    cleanups.push(() => connections.destroy());
    const answers = await Promise.all(
      Array.from(
        { length: 10 },
        (_, index) =>
          requestNode(connections, nodeAddress(node.url), {
            method: "GET",
            path: `/r${index}`,
            timeoutMs: 5_000,
          }).answer,
      ),
    );
    expect(answers.map((answer) => answer.body)).toEqual(
      Array.from({ length: 10 }, (_, index) => `/r${index}`),
    );
    expect(mostConcurrent).toBe(2);
    expect(node.connections()).toBe(2);
    expect(() => new NodeConnections({ maxConnectionsPerNode: 0 })).toThrow(RangeError);
  });

  it("fails requests in flight and new ones once its connections are destroyed", async () => {
    const node = await listen(() => undefined);
    const connections = new NodeConnections({ maxConnectionsPerNode: 1 });
    const options = { method: "GET", path: "/", timeoutMs: 5_000 } as const;
    const inFlight = requestNode(connections, nodeAddress(node.url), options);
    const waiting = requestNode(connections, nodeAddress(node.url), options);
    for (let waited = 0; node.connections() === 0 && waited < maxBatchesWaited; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const settled = Promise.allSettled([inFlight.answer, waiting.answer]);
    connections.destroy();
    const [first, second] = await settled;
    expect(first.status).toBe("rejected");
    expect(second).toMatchObject({ status: "rejected", reason: { message: "the connections were closed" } });
    await expect(requestNode(connections, nodeAddress(node.url), options).answer).rejects.toThrow("closed");
  });

  it("fails an answer that is not HTTP, and one cut short, without reusing their connections", async () => {
    const node = await listen((request) => {
      if (request.url === "/garbage") request.socket.end("SMTP ready\r\n\r\n");
      else request.socket.end("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort");
    });
    const agent = keepAliveAgent();
    for (const path of ["/garbage", "/short"]) {
      const request = requestNode(agent, nodeAddress(node.url), { method: "GET", path, timeoutMs: 5_000 });
      await expect(request.answer).rejects.toBeInstanceOf(NodeResponseError);
    }
    expect(node.connections()).toBe(2);
  });
});

function append(prevLogIndex: number, prevLogTerm: number, terms: number[], commit = 0, term = 3): Message {
  const entries = terms.map((entryTerm, k) => ({
    index: prevLogIndex + 1 + k,
    term: entryTerm,
    kind: "command" as const,
    data: new Uint8Array([prevLogIndex + 1 + k]),
  }));
  return { type: "append", from: "a", to: "b", term, prevLogIndex, prevLogTerm, entries, commit };
}

function appendResponse(index: number, success = true, term = 3): Message {
  return { type: "appendResponse", from: "b", to: "a", term, success, index, hintIndex: 0, hintTerm: 0 };
}

describe("coalesce", () => {
  it("folds appends of one term whose entries run on, keeping the first's start and the later commit", () => {
    const folded = coalesce(append(10, 2, [3, 3], 9), append(12, 3, [3], 11));
    expect(folded).toMatchObject({ type: "append", prevLogIndex: 10, prevLogTerm: 2, commit: 11 });
    expect(folded?.type === "append" && folded.entries.map((entry) => entry.index)).toEqual([11, 12, 13]);
    // An empty append (a commit update) runs on from its predecessor's end as well.
    expect(coalesce(append(10, 2, [3]), append(11, 3, [], 11))).toMatchObject({
      prevLogIndex: 10,
      commit: 11,
    });
  });

  it("leaves apart appends that do not run on, of another term, or past the bound", () => {
    expect(coalesce(append(10, 2, [3]), append(12, 3, [3]))).toBeUndefined();
    expect(coalesce(append(10, 2, [3]), append(11, 2, [3]))).toBeUndefined();
    expect(coalesce(append(10, 2, [3]), append(11, 3, [4], 0, 4))).toBeUndefined();
    const many = Array.from({ length: 40 }, () => 3);
    expect(coalesce(append(10, 2, many), append(50, 3, many))).toBeUndefined();
  });

  it("keeps the later of two successful append responses, and any rejection apart", () => {
    expect(coalesce(appendResponse(12), appendResponse(15))).toEqual(appendResponse(15));
    expect(coalesce(appendResponse(15), appendResponse(12))).toEqual(appendResponse(15));
    expect(coalesce(appendResponse(12), appendResponse(9, false))).toBeUndefined();
    expect(coalesce(appendResponse(12, true, 3), appendResponse(15, true, 4))).toBeUndefined();
    expect(coalesce(heartbeat("b", 3), heartbeat("b", 3))).toBeUndefined();
  });
});

describe("PeerTransport", () => {
  it("sends the appends of a group queued while a batch is in flight as one", async () => {
    const batches: MessageBatch[] = [];
    let release: (() => void) | undefined;
    const node = await listen((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        batches.push(decodeBatch(body));
        // Holds the first batch until the test has queued more behind it.
        if (batches.length === 1) release = () => response.writeHead(204).end();
        else response.writeHead(204).end();
      });
    });
    const transport = new PeerTransport({ nodeId: "a", peerUrls: new Map([["b", node.url]]) });
    cleanups.push(() => transport.close());
    transport.send("p0", [append(0, 0, [3])]);
    for (let waited = 0; release === undefined && waited < maxBatchesWaited; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    transport.send("p0", [append(1, 3, [3])]);
    transport.send("meta", [heartbeat("b", 3)]);
    transport.send("p0", [append(2, 3, [3], 2)]);
    release!();
    for (let waited = 0; batches.length < 2 && waited < maxBatchesWaited; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(batches[1]!.messages.map(({ group, message }) => [group, message.type])).toEqual([
      ["p0", "append"],
      ["meta", "heartbeat"],
    ]);
    const folded = batches[1]!.messages[0]!.message;
    expect(folded.type === "append" && [folded.prevLogIndex, folded.entries.length, folded.commit]).toEqual([
      1, 2, 2,
    ]);
  });

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

  it("hands the messages a peer answers a batch with to onReplies, and ignores an answer from another node", async () => {
    let answerFrom = "b";
    const node = await listen((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        const batch = decodeBatch(body);
        const replies = batch.messages.map(({ group, message }) => ({
          group,
          message: { ...heartbeat("a", message.term), from: answerFrom },
        }));
        const payload = JSON.stringify({ from: answerFrom, messages: replies });
        response.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        });
        response.end(payload);
      });
    });
    const received: MessageBatch[] = [];
    const transport = new PeerTransport({
      nodeId: "a",
      peerUrls: new Map([["b", node.url]]),
      onReplies: (batch) => received.push(batch),
    });
    cleanups.push(() => transport.close());
    transport.send("p0", [heartbeat("b", 7)]);
    for (let waited = 0; received.length === 0 && waited < maxBatchesWaited; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(received).toEqual([
      { from: "b", messages: [{ group: "p0", message: { ...heartbeat("a", 7), from: "b" } }] },
    ]);
    answerFrom = "c";
    let answered = false;
    node.server.once("request", (request) =>
      request.on("end", () => setTimeout(() => (answered = true), 20)),
    );
    transport.send("p0", [heartbeat("b", 8)]);
    for (let waited = 0; !answered && waited < maxBatchesWaited; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(answered).toBe(true);
    expect(received).toHaveLength(1);
  });

  it("gives a batch's sender the messages queued for it, at most one request's worth", () => {
    const transport = new PeerTransport({
      nodeId: "a",
      peerUrls: new Map([["b", "http://127.0.0.1:1"]]),
      maxMessagesPerRequest: 2,
    });
    cleanups.push(() => transport.close());
    transport.send("p0", [heartbeat("b", 1), heartbeat("b", 2), heartbeat("b", 3)]);
    expect(transport.takeQueued("b").map(({ message }) => message.term)).toEqual([1, 2]);
    expect(transport.takeQueued("b").map(({ message }) => message.term)).toEqual([3]);
    expect(transport.takeQueued("b")).toEqual([]);
    expect(transport.takeQueued("nobody")).toEqual([]);
  });
});
