/**
 * The whole platform as `hakobune up` runs it: every service healthy, Prometheus scraping each of them
 * through the generated file-based discovery, and `hakobune auth rotate-keys` against the running
 * auth-center (the new key becomes the signing key, the previous one stays published in the JWKS).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICES, type UpState } from "../src/index.js";
import { assertBuilt, CliProcess, eventually, freePort, killIfAlive, runCli } from "./support/cli-process.js";

const dataDir = mkdtempSync(join(tmpdir(), "hakobune-cli-platform-"));
let up: CliProcess | undefined;

async function portFlags(): Promise<string[]> {
  const flags: string[] = [];
  for (const service of SERVICES) {
    if (service.available) flags.push(`--${service.portFlag}`, String(await freePort()));
  }
  return flags;
}

function serviceUrl(name: string): string {
  const state = JSON.parse(readFileSync(join(dataDir, "up.json"), "utf8")) as UpState;
  const url = state.services.find((service) => service.name === name)?.url;
  if (!url) throw new Error(`${name} is not in up.json`);
  return url;
}

async function publishedKeyIds(): Promise<string[]> {
  const response = await fetch(`${serviceUrl("auth-center")}/jwks`);
  const body = (await response.json()) as { keys: { kid: string }[] };
  return body.keys.map((key) => key.kid);
}

beforeAll(async () => {
  assertBuilt();
  // A short key refresh so that the running auth-center picks up the rotation within the test's bounds.
  up = new CliProcess(["up", "--data-dir", dataDir, ...(await portFlags())], {
    ...process.env,
    HAKOBUNE_AUTH_KEY_REFRESH_INTERVAL_MS: "200",
  });
  await up.waitForOutput(/Hakobune is up with \d+ service\(s\)/);
});

afterAll(async () => {
  if (up) {
    up.child.kill("SIGTERM");
    await up.waitForExit();
    killIfAlive(up.pid);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe("hakobune up with monitoring", () => {
  it("runs every available service, and Prometheus scrapes each one", async () => {
    const state = JSON.parse(readFileSync(join(dataDir, "up.json"), "utf8")) as UpState;
    const running = state.services.map((service) => service.name).sort();
    expect(running).toEqual(
      SERVICES.filter((service) => service.available)
        .map((service) => service.name)
        .sort(),
    );
    const scraped = await eventually(
      "every service's up series at 1 in Prometheus",
      async () => {
        const query = encodeURIComponent("up == 1");
        const response = await fetch(`${serviceUrl("prometheus")}/api/v1/query?query=${query}`);
        const body = (await response.json()) as { data: { result: { metric: { service: string } }[] } };
        const services = body.data.result.map((series) => series.metric.service).sort();
        return services.length === running.length ? services : undefined;
      },
      60_000,
    );
    expect(scraped).toEqual(running);
  });
});

describe("hakobune auth rotate-keys", () => {
  it("makes a new key active and keeps the old one published", async () => {
    const before = await publishedKeyIds();
    expect(before.length).toBeGreaterThan(0);

    const rotation = await runCli(["auth", "rotate-keys", "--data-dir", dataDir]);
    expect(rotation.stderr).toBe("");
    expect(rotation.code).toBe(0);
    const match = /signs with key (\S+) now; published keys: (.+)\n$/.exec(rotation.stdout);
    expect(match).not.toBeNull();
    const activeKeyId = match![1]!;
    expect(before).not.toContain(activeKeyId);

    const after = await eventually("the new key in auth-center's JWKS", async () => {
      const keys = await publishedKeyIds();
      return keys.includes(activeKeyId) ? keys : undefined;
    });
    for (const kid of before) expect(after).toContain(kid);
  });

  it("says in one sentence when there is no storage to rotate keys in", async () => {
    const empty = mkdtempSync(join(tmpdir(), "hakobune-cli-auth-none-"));
    const { HAKOBUNE_STORAGE_ENDPOINT: _ignored, ...env } = process.env;
    const run = await runCli(["auth", "rotate-keys", "--data-dir", empty], env);
    rmSync(empty, { recursive: true, force: true });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^hakobune: No storage to rotate keys in: .+\n$/);
  });
});

describe("hakobune dashboards export", () => {
  it("writes dashboard models and provisioning files Grafana can load", async () => {
    const out = mkdtempSync(join(tmpdir(), "hakobune-cli-dashboards-"));
    try {
      const run = await runCli(["dashboards", "export", out]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const written = /Wrote (\d+) dashboard\(s\) and (\d+) provisioning file\(s\)/.exec(run.stdout);
      expect(Number(written?.[1])).toBeGreaterThan(1);
      expect(Number(written?.[2])).toBeGreaterThan(0);
      const bad = await runCli(["dashboards", "export", out, "--prometheus-url", "not a url"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^hakobune: prometheusUrl must be an http or https URL/);
      const missing = await runCli(["dashboards", "export"]);
      expect(missing.code).toBe(2);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
