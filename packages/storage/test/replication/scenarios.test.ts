/** Runs every scenario file under testdata/ (see scenario.ts for the command language). */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Scenario, ScenarioError } from "./scenario.js";

const directory = new URL("./testdata/", import.meta.url);

describe("Raft scenarios", () => {
  for (const file of readdirSync(directory).filter((name) => name.endsWith(".txt"))) {
    it(file, () => {
      Scenario.run(readFileSync(new URL(file, directory), "utf8"), file);
    });
  }

  it("reports the failing line of a scenario", () => {
    expect(() =>
      Scenario.run("cluster a b c\ncampaign a\nstabilize\nexpect a role=follower", "bad.txt"),
    ).toThrow(ScenarioError);
    expect(() => Scenario.run("cluster a b c\nexpect a role=follower\nexpect a term=7", "bad.txt")).toThrow(
      /bad.txt:3: expect a term=7/,
    );
  });
});
