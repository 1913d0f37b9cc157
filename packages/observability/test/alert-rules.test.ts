/**
 * The platform's alert rules: `promtool check rules`, `promtool test rules` with a case that fires and a
 * case that stays quiet for every alert, and a runbook for every alert.
 */
import { access, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  alertRuleGroups,
  InvalidOptionError,
  platformAlertRules,
  renderAlertRules,
  runbookUrl,
  writeAlertRules,
} from "../src/index.js";
import { type AlertRuleCase, alertRuleCases, promtoolTestFile } from "./support/alert-rule-cases.js";
import { runTool, temporaryDirectory } from "./support/tools.js";

const repositoryRoot = new URL("../../../", import.meta.url);

let dir: string;
let remove: () => Promise<void>;
let ruleFile: string;

beforeAll(async () => {
  ({ dir, remove } = await temporaryDirectory("alert-rules"));
  ruleFile = await writeAlertRules(dir);
});
afterAll(async () => {
  await remove();
});

async function promtoolTest(cases: readonly AlertRuleCase[], fileName: string) {
  const path = join(dir, fileName);
  await writeFile(path, stringify(promtoolTestFile(ruleFile, cases)));
  return runTool("promtool", ["test", "rules", path]);
}

describe("alert rules", () => {
  it("pass promtool check rules", async () => {
    const check = await runTool("promtool", ["check", "rules", ruleFile]);
    expect(check.output).toContain(`SUCCESS: ${platformAlertRules.length} rules found`);
    expect(check.exitCode).toBe(0);
  });

  it("have unique names, a severity and summary, description and runbook_url on every rule", () => {
    const rules = alertRuleGroups().groups.flatMap((group) => group.rules);
    expect(rules).toHaveLength(platformAlertRules.length);
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(["critical", "warning"]).toContain(rule.labels.severity);
      expect(rule.annotations.summary?.length).toBeGreaterThan(0);
      expect(rule.annotations.description?.length).toBeGreaterThan(0);
      expect(rule.annotations.runbook_url).toBe(`docs/runbooks/${rule.alert}.md`);
    }
  });

  it("cover at least the alerts the platform promises", () => {
    const names = platformAlertRules.map((rule) => rule.alert);
    for (const required of [
      "TargetDown",
      "HighHttp5xxRatio",
      "HighHttpP99Latency",
      "StorageServerErrors",
      "StorageThrottling",
      "AuthLoginFailureSpike",
      "TokenVerificationFailures",
      "StoragePartitionWithoutLeader",
      "StorageReplicationLag",
    ]) {
      expect(names).toContain(required);
    }
  });

  it("each have a runbook with what it means, how to confirm, how to mitigate and when to escalate", async () => {
    for (const rule of platformAlertRules) {
      const path = new URL(runbookUrl(rule.alert), repositoryRoot);
      const text = await readFile(path, "utf8");
      expect(text.startsWith(`# ${rule.alert}\n`), `${rule.alert}'s runbook title`).toBe(true);
      for (const heading of [
        "## What it means",
        "## How to confirm",
        "## How to mitigate",
        "## When to escalate",
      ]) {
        expect(text, `${rule.alert}'s runbook`).toContain(heading);
      }
      expect(text, `${rule.alert}'s runbook gives the exact PromQL`).toContain("```promql");
    }
  });

  it("take a runbook base URL, an evaluation interval and a pending-time override", () => {
    const [group] = alertRuleGroups({
      runbookBaseUrl: "http://127.0.0.1:8080/runbooks",
      evaluationIntervalSeconds: 1,
      forSecondsOverride: 2,
    }).groups;
    expect(group?.interval).toBe("1s");
    expect(group?.rules[0]?.for).toBe("2s");
    expect(group?.rules[0]?.annotations.runbook_url).toBe("http://127.0.0.1:8080/runbooks/TargetDown.md");
    expect(() => alertRuleGroups({ evaluationIntervalSeconds: 0 })).toThrow(InvalidOptionError);
    expect(() => alertRuleGroups({ forSecondsOverride: -1 })).toThrow(InvalidOptionError);
  });

  it("render as YAML that parses back to the same groups", () => {
    expect(parse(renderAlertRules())).toEqual(alertRuleGroups());
  });
});

describe("promtool test rules", () => {
  it("has a case where each alert fires and one where it stays quiet", () => {
    for (const rule of platformAlertRules) {
      const cases = alertRuleCases.filter((testCase) => testCase.alert === rule.alert);
      expect(
        cases.some((testCase) => testCase.expectedAlerts.length > 0),
        `${rule.alert} fires in some case`,
      ).toBe(true);
      expect(
        cases.some((testCase) => testCase.expectedAlerts.length === 0),
        `${rule.alert} stays quiet in some case`,
      ).toBe(true);
    }
    const known = new Set(platformAlertRules.map((rule) => rule.alert));
    for (const testCase of alertRuleCases) expect(known).toContain(testCase.alert);
  });

  it("passes every case", async () => {
    const result = await promtoolTest(alertRuleCases, "alerts.test.yml");
    expect(result.output).toContain("SUCCESS");
    expect(result.exitCode).toBe(0);
  });

  it("fails when a case expects the wrong thing, so the cases above are real checks", async () => {
    const firing = alertRuleCases.find((testCase) => testCase.expectedAlerts.length > 0)!;
    const quiet = alertRuleCases.find((testCase) => testCase.expectedAlerts.length === 0)!;
    const wrong = [
      { ...firing, name: "wrongly expected quiet", expectedAlerts: [] },
      { ...quiet, name: "wrongly expected to fire", expectedAlerts: firing.expectedAlerts },
    ];
    for (const [index, testCase] of wrong.entries()) {
      const result = await promtoolTest([testCase], `wrong-${index}.test.yml`);
      expect(result.exitCode, result.output).not.toBe(0);
      expect(result.output).toContain("FAILED");
    }
  });
});

describe("runbooks", () => {
  it("exist for every alert and nothing else", async () => {
    const files = await readdir(new URL("docs/runbooks/", repositoryRoot));
    const alerts = platformAlertRules.map((rule) => `${rule.alert}.md`).sort();
    expect(files.filter((file) => file !== "README.md").sort()).toEqual(alerts);
    for (const alert of alerts) await access(new URL(`docs/runbooks/${alert}`, repositoryRoot));
  });
});
