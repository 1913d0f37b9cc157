/**
 * Where an alert's runbook lives: `docs/runbooks/<AlertName>.md` in the repository, under a base URL
 * that defaults to the repository-relative path and may point at a hosted copy instead.
 */

/** Runbooks' location relative to the repository root. */
export const runbooksDirectory = "docs/runbooks/";

/** `runbook_url` of `alertName`, e.g. `docs/runbooks/TargetDown.md`, or `<baseUrl>TargetDown.md`. */
export function runbookUrl(alertName: string, baseUrl: string = runbooksDirectory): string {
  return `${baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`}${alertName}.md`;
}
