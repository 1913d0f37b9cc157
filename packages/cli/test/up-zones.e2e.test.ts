/**
 * `hakobune up --storage-zones 3` through the front door: storage runs as the three-zone cluster (a
 * router and three storage nodes, children of the storage process), auth-center and pantry keep their
 * data there and turn healthy, and stopping `up` leaves no storage node behind — the storage process
 * group is stopped whole; `--storage-routers 2` adds a second request router on the storage port. A bad
 * zone or router count is refused in one sentence before anything starts.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICES, type UpState } from "../src/index.js";
import { assertBuilt, CliProcess, eventually, freePort, killIfAlive, runCli } from "./support/cli-process.js";

const temporaryDirs: string[] = [];
const startedGroups: number[] = [];

function readState(dataDir: string): UpState {
  return JSON.parse(readFileSync(join(dataDir, "up.json"), "utf8")) as UpState;
}

/** The processes of process group `groupId`, with their command lines (from `ps`). */
function groupMembers(groupId: number): { pid: number; command: string }[] {
  const listing = execFileSync("ps", ["-e", "-o", "pid=,pgid=,args="], { encoding: "utf8" });
  return listing.split("\n").flatMap((line) => {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (!match || Number(match[2]) !== groupId) return [];
    return [{ pid: Number(match[1]), command: match[3]! }];
  });
}

/** Processes whose command line names `dataDir`: whatever `up` started there, at any depth. */
function processesUsing(dataDir: string): string[] {
  const listing = execFileSync("ps", ["-e", "-o", "args="], { encoding: "utf8" });
  return listing.split("\n").filter((line) => line.includes(dataDir) && !line.startsWith("ps "));
}

async function portFlags(): Promise<string[]> {
  const flags: string[] = [];
  for (const service of SERVICES) {
    if (service.available) flags.push(`--${service.portFlag}`, String(await freePort()));
  }
  return flags;
}

beforeAll(() => assertBuilt());

afterAll(() => {
  // Only matters when a test failed half-way: nothing it started may outlive the run.
  for (const group of startedGroups) killIfAlive(-group);
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

describe("hakobune up --storage-zones", () => {
  it("runs storage as three zones that serve the other services, and stops every storage node with up", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hakobune-cli-zones-"));
    temporaryDirs.push(dataDir);
    const up = new CliProcess([
      ...["up", "--data-dir", dataDir, "--storage-zones", "3", "--storage-routers", "2"],
      ...(await portFlags()),
    ]);
    startedGroups.push(up.pid);
    await up.waitForOutput(/Hakobune is up with \d+ service\(s\)/, 90_000);
    const state = readState(dataDir);
    const storage = state.services.find((service) => service.name === "storage")!;
    startedGroups.push(storage.pid!);
    expect(up.output).toMatch(/2 routers of 3 storage nodes in zones az-a, az-b, az-c/);

    // The storage process leads its group (it is the first router), and its three nodes and the
    // second router are in it.
    const members = groupMembers(storage.pid!);
    const nodes = members.filter((member) => member.command.includes("node-main.js"));
    expect(nodes.map((node) => /--node-id (\w+)/.exec(node.command)?.[1]).sort()).toEqual(["a", "b", "c"]);
    expect(members.filter((member) => member.command.includes("router-main.js"))).toHaveLength(1);

    const partitions = (await (await fetch(`${storage.url}/admin/partitions`)).json()) as {
      nodes: { zone: string; reachable: boolean }[];
    };
    expect(partitions.nodes.map((node) => [node.zone, node.reachable])).toEqual([
      ["az-a", true],
      ["az-b", true],
      ["az-c", true],
    ]);
    for (const name of ["auth-center", "pantry"]) {
      const url = state.services.find((service) => service.name === name)?.url;
      const response = await fetch(`${url}/healthz`);
      expect(response.status, name).toBe(200);
    }
    const status = await runCli(["status", "--data-dir", dataDir, "--json"]);
    expect(JSON.parse(status.stdout).services).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "storage", status: "healthy" }),
        expect.objectContaining({ name: "auth-center", status: "healthy" }),
        expect.objectContaining({ name: "pantry", status: "healthy" }),
      ]),
    );

    up.child.kill("SIGTERM");
    expect((await up.waitForExit(60_000)).code).toBe(0);
    await eventually("the storage process group to be gone", () =>
      groupMembers(storage.pid!).length === 0 ? true : undefined,
    );
    for (const node of [...nodes, ...members.filter((member) => member.command.includes("router-main.js"))]) {
      await eventually(`storage process ${node.pid} to be gone`, () =>
        groupMembers(storage.pid!).some((member) => member.pid === node.pid) ? undefined : true,
      );
    }
    expect(processesUsing(dataDir)).toEqual([]);
  });

  it("refuses a bad zone count in one sentence, from the flag or the environment", async () => {
    const byFlag = await runCli(["up", "--storage-zones", "0"]);
    expect(byFlag.code).toBe(2);
    expect(byFlag.stderr).toMatch(
      /^hakobune: --storage-zones must be an integer between 1 and \d+, got "0"\.\n$/,
    );
    const byEnv = await runCli(["up"], { ...process.env, HAKOBUNE_STORAGE_ZONES: "three" });
    expect(byEnv.code).toBe(2);
    expect(byEnv.stderr).toMatch(/^hakobune: HAKOBUNE_STORAGE_ZONES must be an integer between 1 and \d+/);
    expect(byEnv.stdout).toBe("");
  });

  it("refuses a bad router count, or routers without zones, in one sentence", async () => {
    const zero = await runCli(["up", "--storage-zones", "3", "--storage-routers", "0"]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(
      /^hakobune: --storage-routers must be an integer between 1 and 8, got "0"\.\n$/,
    );
    const alone = await runCli(["up", "--storage-routers", "2"]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/^hakobune: --storage-routers needs --storage-zones 2 or more/);
    expect(alone.stdout).toBe("");
  });
});
