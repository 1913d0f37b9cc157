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
    // Callback hooks, not async ones: they run on every request, and a promise per hook is measurable.
    app.addHook("onRequest", (_request, _reply, done) => {
      if (this.#draining) {
        done(new ServiceError("SHUTTING_DOWN", "The service is shutting down; send the request elsewhere."));
        return;
      }
      done();
    });
    app.addHook("onSend", (_request, reply, payload, done) => {
      if (this.#draining) reply.header("connection", "close");
      done(null, payload);
    });
  }
}
