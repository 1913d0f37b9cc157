/**
 * The switch a service flips when it starts shutting down. From then on requests that still reach it
 * (on connections opened before) get 503 `SHUTTING_DOWN`, and every response, including those of requests
 * in flight, carries `Connection: close`, so that no keep-alive connection outlives the drain.
 */
import type { FastifyInstance } from "fastify";
import { ServiceError } from "../errors.js";

export class DrainGate {
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  startDraining(): void {
    this.#draining = true;
  }

  install(app: FastifyInstance): void {
    app.addHook("onRequest", async () => {
      if (this.#draining) {
        throw new ServiceError("SHUTTING_DOWN", "The service is shutting down; send the request elsewhere.");
      }
    });
    app.addHook("onSend", async (_request, reply, payload) => {
      if (this.#draining) reply.header("connection", "close");
      return payload;
    });
  }
}
