import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePort, resolveDataDir, resolvePort, UsageError } from "../src/index.js";

describe("resolvePort", () => {
  const env = { HAKOBUNE_STORAGE_PORT: "9100" };

  it("prefers the flag over the environment over the default", () => {
    expect(resolvePort("9200", "storage-port", env, "HAKOBUNE_STORAGE_PORT", 8000)).toBe(9200);
    expect(resolvePort(undefined, "storage-port", env, "HAKOBUNE_STORAGE_PORT", 8000)).toBe(9100);
    expect(resolvePort(undefined, "storage-port", {}, "HAKOBUNE_STORAGE_PORT", 8000)).toBe(8000);
  });

  it("names the source of a bad value", () => {
    expect(() => resolvePort("80a", "storage-port", env, "HAKOBUNE_STORAGE_PORT", 8000)).toThrow(
      /--storage-port/,
    );
    expect(() =>
      resolvePort(undefined, "storage-port", { HAKOBUNE_STORAGE_PORT: "0" }, "HAKOBUNE_STORAGE_PORT", 1),
    ).toThrow(/HAKOBUNE_STORAGE_PORT/);
  });
});

describe("parsePort", () => {
  it("accepts 1 to 65535 and nothing else", () => {
    expect(parsePort("1", "p")).toBe(1);
    expect(parsePort("65535", "p")).toBe(65_535);
    for (const bad of ["0", "65536", "-1", "8000.5", " 8000", "", "0x50"]) {
      expect(() => parsePort(bad, "p"), bad).toThrow(UsageError);
    }
  });
});

describe("resolveDataDir", () => {
  it("prefers the flag over HAKOBUNE_DATA_DIR over ./.hakobune, always absolute", () => {
    expect(resolveDataDir("a", { HAKOBUNE_DATA_DIR: "b" })).toBe(resolve("a"));
    expect(resolveDataDir(undefined, { HAKOBUNE_DATA_DIR: "b" })).toBe(resolve("b"));
    expect(resolveDataDir(undefined, {})).toBe(resolve(".hakobune"));
  });

  it("rejects an empty --data-dir", () => {
    expect(() => resolveDataDir("", {})).toThrow(UsageError);
  });
});
