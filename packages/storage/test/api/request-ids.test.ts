/** `RequestIds`: every id distinct, within one server and between two. */
import { expect, it } from "vitest";
import { RequestIds } from "../../src/api/request-ids.js";

/** Ids drawn from each generator. */
const idsPerGenerator = 10_000;

it("never repeats an id, within one generator or across two", () => {
  const seen = new Set<string>();
  for (const ids of [new RequestIds(), new RequestIds()]) {
    for (let n = 0; n < idsPerGenerator; n++) seen.add(ids.next());
  }
  expect(seen.size).toBe(2 * idsPerGenerator);
});

it("gives ids that fit an HTTP header value", () => {
  expect(new RequestIds().next()).toMatch(/^[0-9a-f-]+$/);
});
