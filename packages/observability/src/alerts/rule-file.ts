/**
 * Renders alert rules into a Prometheus rule file (one group per part of the platform), with the
 * `severity` label and the `summary`, `description` and `runbook_url` annotations on every rule.
 */
import { resolve } from "node:path";
import { stringify } from "yaml";
import { writeFileAtomically } from "../files/write-file-atomically.js";
import { checkDurationSeconds, prometheusDuration } from "../prometheus/durations.js";
import type { AlertRule } from "./alert-rule.js";
import { platformAlertRules } from "./platform-alerts.js";
import { runbooksDirectory, runbookUrl } from "./runbook-url.js";

/** File name of the platform's rule file inside `<dir>/rules`. */
export const alertRulesFileName = "hakobune-alerts.yml";

export interface RuleFileOptions {
  /** The rules. Default: `platformAlertRules`. */
  rules?: readonly AlertRule[];
  /** Prefix of every `runbook_url`. Default: `docs/runbooks/` (relative to the repository root). */
  runbookBaseUrl?: string;
  /** Evaluation interval of every group, in seconds. Default: Prometheus's global `evaluation_interval`. */
  evaluationIntervalSeconds?: number;
  /**
   * Replaces every rule's pending time (`for`), in seconds, so that a test sees alerts fire within
   * seconds. Default: each rule's own.
   */
  forSecondsOverride?: number;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }[];
}

export function alertRuleGroups(options: RuleFileOptions = {}): { groups: RuleGroup[] } {
  const rules = options.rules ?? platformAlertRules;
  const baseUrl = options.runbookBaseUrl ?? runbooksDirectory;
  const interval =
    options.evaluationIntervalSeconds === undefined
      ? undefined
      : prometheusDuration(
          checkDurationSeconds("evaluationIntervalSeconds", options.evaluationIntervalSeconds),
        );
  const forOverride =
    options.forSecondsOverride === undefined
      ? undefined
      : checkDurationSeconds("forSecondsOverride", options.forSecondsOverride, 0);
  const groups = new Map<string, RuleGroup>();
  for (const rule of rules) {
    const name = `hakobune-${rule.part}`;
    let group = groups.get(name);
    if (group === undefined) {
      group = { name, ...(interval === undefined ? {} : { interval }), rules: [] };
      groups.set(name, group);
    }
    group.rules.push({
      alert: rule.alert,
      expr: rule.expr,
      for: prometheusDuration(forOverride ?? rule.forSeconds),
      labels: { severity: rule.severity },
      annotations: {
        summary: rule.summary,
        description: rule.description,
        runbook_url: runbookUrl(rule.alert, baseUrl),
      },
    });
  }
  return { groups: [...groups.values()] };
}

export function renderAlertRules(options: RuleFileOptions = {}): string {
  return stringify(alertRuleGroups(options), { lineWidth: 0 });
}

/** Writes `<dir>/rules/hakobune-alerts.yml` and returns its path (for `ruleFiles`). */
export async function writeAlertRules(dir: string, options: RuleFileOptions = {}): Promise<string> {
  const path = resolve(dir, "rules", alertRulesFileName);
  await writeFileAtomically(path, renderAlertRules(options));
  return path;
}
