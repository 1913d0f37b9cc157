/**
 * A structural check of a Grafana dashboard model (classic JSON, schema version 36 and later): the fields
 * Grafana needs, unique panel ids, panels on the 24-column grid without overlaps, every data source
 * reference pointing at the provisioned Prometheus, and every variable a query uses defined.
 * Returns the problems found, each a sentence; none means the dashboard is valid.
 */

const gridColumns = 24;
const panelTypes = new Set(["row", "timeseries", "stat"]);
/** Variables Grafana defines itself. */
const builtInVariables = new Set(["__rate_interval", "__interval", "__range"]);

interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

export function dashboardProblems(dashboard: unknown, datasourceUid: string): string[] {
  const problems: string[] = [];
  if (!isObject(dashboard)) return ["the dashboard is not a JSON object"];
  const name = String(dashboard.uid);
  if (!isNonEmptyString(dashboard.title)) problems.push(`${name}: title is missing`);
  if (typeof dashboard.uid !== "string" || !/^[A-Za-z0-9_-]{1,40}$/.test(dashboard.uid)) {
    problems.push(`${name}: uid must be 1 to 40 characters of letters, digits, "-" and "_"`);
  }
  if (!Number.isInteger(dashboard.schemaVersion) || (dashboard.schemaVersion as number) < 36) {
    problems.push(`${name}: schemaVersion must be an integer of at least 36`);
  }
  if (!Array.isArray(dashboard.tags) || !dashboard.tags.every((tag) => typeof tag === "string")) {
    problems.push(`${name}: tags must be a list of strings`);
  }
  if (
    !isObject(dashboard.time) ||
    !isNonEmptyString(dashboard.time.from) ||
    !isNonEmptyString(dashboard.time.to)
  ) {
    problems.push(`${name}: time needs from and to`);
  }
  const variables = new Set(builtInVariables);
  const templating = dashboard.templating;
  if (!isObject(templating)) problems.push(`${name}: templating is missing`);
  for (const variable of (isObject(templating) && Array.isArray(templating.list)
    ? templating.list
    : []) as unknown[]) {
    if (!isObject(variable) || !isNonEmptyString(variable.name) || !isNonEmptyString(variable.type)) {
      problems.push(`${name}: a variable lacks a name or type`);
      continue;
    }
    variables.add(variable.name);
    if (variable.type === "query") {
      checkDatasource(variable.datasource, datasourceUid, `${name} variable ${variable.name}`, problems);
      if (!isNonEmptyString(variable.query))
        problems.push(`${name} variable ${variable.name}: query is empty`);
    }
  }
  if (!Array.isArray(dashboard.panels) || dashboard.panels.length === 0) {
    problems.push(`${name}: panels must be a non-empty list`);
    return problems;
  }
  const ids = new Set<number>();
  const placed: { id: number; gridPos: GridPos }[] = [];
  for (const panel of dashboard.panels as unknown[]) {
    if (!isObject(panel)) {
      problems.push(`${name}: a panel is not an object`);
      continue;
    }
    const where = `${name} panel ${JSON.stringify(panel.title)}`;
    if (!Number.isInteger(panel.id) || (panel.id as number) < 1)
      problems.push(`${where}: id must be a positive integer`);
    else if (ids.has(panel.id as number)) problems.push(`${where}: id ${panel.id} is used twice`);
    else ids.add(panel.id as number);
    if (!panelTypes.has(String(panel.type)))
      problems.push(`${where}: unknown type ${JSON.stringify(panel.type)}`);
    if (!isNonEmptyString(panel.title)) problems.push(`${where}: title is missing`);
    const gridPos = checkGridPos(panel.gridPos, where, problems);
    if (gridPos !== undefined) {
      for (const other of placed) {
        if (overlap(gridPos, other.gridPos)) problems.push(`${where}: overlaps panel ${other.id}`);
      }
      placed.push({ id: panel.id as number, gridPos });
    }
    if (panel.type === "row") continue;
    checkDatasource(panel.datasource, datasourceUid, where, problems);
    if (!Array.isArray(panel.targets) || panel.targets.length === 0) {
      problems.push(`${where}: has no queries`);
      continue;
    }
    const refIds = new Set<string>();
    for (const target of panel.targets as unknown[]) {
      if (!isObject(target) || !isNonEmptyString(target.expr)) {
        problems.push(`${where}: a query has no expr`);
        continue;
      }
      if (!isNonEmptyString(target.refId) || refIds.has(target.refId)) {
        problems.push(`${where}: query refIds must be present and unique`);
      } else refIds.add(target.refId);
      checkDatasource(target.datasource, datasourceUid, `${where} query ${target.refId}`, problems);
      for (const [, variable] of target.expr.matchAll(/\$\{?(\w+)\}?/g)) {
        if (!variables.has(variable!)) problems.push(`${where}: query uses undefined variable $${variable}`);
      }
    }
  }
  return problems;
}

/** Every query of the dashboard, with Grafana's variables replaced so that the result is plain PromQL. */
export function panelQueries(dashboard: Json): { where: string; expr: string }[] {
  const queries: { where: string; expr: string }[] = [];
  for (const panel of dashboard.panels as Json[]) {
    for (const target of (panel.targets ?? []) as Json[]) {
      queries.push({
        where: `${dashboard.uid} / ${panel.title} / ${target.refId}`,
        expr: String(target.expr)
          .replaceAll("$__rate_interval", "5m")
          .replaceAll("$__interval", "1m")
          .replaceAll("$__range", "1h")
          .replace(/\$\{?(\w+)\}?/g, "placeholder"),
      });
    }
  }
  return queries;
}

function checkDatasource(ref: unknown, uid: string, where: string, problems: string[]): void {
  if (!isObject(ref) || ref.type !== "prometheus" || ref.uid !== uid) {
    problems.push(
      `${where}: datasource must be {type: "prometheus", uid: "${uid}"}, got ${JSON.stringify(ref)}`,
    );
  }
}

function checkGridPos(value: unknown, where: string, problems: string[]): GridPos | undefined {
  if (!isObject(value)) {
    problems.push(`${where}: gridPos is missing`);
    return undefined;
  }
  const { x, y, w, h } = value;
  const integers = [x, y, w, h].every((n) => Number.isInteger(n));
  if (!integers || (x as number) < 0 || (y as number) < 0 || (w as number) < 1 || (h as number) < 1) {
    problems.push(`${where}: gridPos needs non-negative integers x, y and positive w, h`);
    return undefined;
  }
  if ((x as number) + (w as number) > gridColumns)
    problems.push(`${where}: gridPos runs past column ${gridColumns}`);
  return { x, y, w, h } as GridPos;
}

function overlap(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
