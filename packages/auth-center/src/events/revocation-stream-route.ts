/**
 * `GET /events/revocations`: the revocation events as Server-Sent Events. Each event is
 * `id: <n>` / `event: revocation` / `data: <JSON RevocationEvent>`; a comment line every heartbeat
 * interval keeps proxies from closing an idle stream. A reconnecting subscriber sends `Last-Event-ID`
 * and first receives what it missed (as far as the replay buffer reaches). A subscriber that stops
 * reading is disconnected once `maxBufferedBytes` are waiting for it, rather than holding memory.
 */
import type { FastifyInstance } from "fastify";
import { TooManySubscribersError } from "../errors.js";
import type { RevocationBroadcaster, RevocationEvent } from "./revocation-broadcaster.js";

export interface RevocationStreamOptions {
  broadcaster: RevocationBroadcaster;
  /** Interval between heartbeat comments, in milliseconds. */
  heartbeatMs: number;
  /** Unsent bytes tolerated per subscriber before it is disconnected. Default: 1 MiB. */
  maxBufferedBytes?: number;
  /** Reports whether the service is shutting down, to end open streams. */
  onClose: (listener: () => void) => void;
}

export const revocationStreamPath = "/events/revocations";
/** What a client should wait before reconnecting, sent as the SSE `retry` field. */
const reconnectDelayMs = 2000;

export async function revocationStreamRoute(app: FastifyInstance, options: RevocationStreamOptions) {
  const maxBufferedBytes = options.maxBufferedBytes ?? 1_048_576;
  const open = new Set<() => void>();
  options.onClose(() => {
    for (const end of open) end();
  });

  app.get(revocationStreamPath, async (request, reply) => {
    const lastEventHeader = request.headers["last-event-id"];
    const lastEventId =
      typeof lastEventHeader === "string" && /^\d+$/.test(lastEventHeader)
        ? Number(lastEventHeader)
        : undefined;
    const response = reply.raw;
    const write = (text: string) => {
      response.write(text);
      if (response.writableLength > maxBufferedBytes) end();
    };
    const send = (event: RevocationEvent) =>
      write(`id: ${event.id}\nevent: revocation\ndata: ${JSON.stringify(event)}\n\n`);

    let subscription: ReturnType<RevocationBroadcaster["subscribe"]>;
    try {
      subscription = options.broadcaster.subscribe(send, lastEventId);
    } catch (error) {
      if (error instanceof TooManySubscribersError) {
        return reply
          .code(503)
          .header("retry-after", "5")
          .send({ error: { code: error.code, message: error.message } });
      }
      throw error;
    }

    reply.hijack();
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    response.write(`retry: ${reconnectDelayMs}\n: connected\n\n`);
    const heartbeat = setInterval(() => write(`: heartbeat ${Date.now()}\n\n`), options.heartbeatMs);
    let ended = false;
    function end() {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      subscription.unsubscribe();
      open.delete(end);
      response.end();
    }
    open.add(end);
    request.raw.on("close", end);
    for (const event of subscription.missed) send(event);
  });
}
