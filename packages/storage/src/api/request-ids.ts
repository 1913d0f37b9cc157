/**
 * The `x-amzn-RequestId` of each response: a random prefix drawn once per server, then a counter. Unique
 * like a random UUID per request (another process or a restart draws another prefix), without drawing
 * random bytes on every request.
 */
import { randomUUID } from "node:crypto";

export class RequestIds {
  readonly #prefix = `${randomUUID()}-`;
  #issued = 0;

  /** The next id: the prefix and a counter that no process ever runs past `Number.MAX_SAFE_INTEGER`. */
  next(): string {
    this.#issued += 1;
    return this.#prefix + this.#issued;
  }
}
