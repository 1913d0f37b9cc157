/** `hakobune help`: the top-level usage text. */

export const USAGE = `Usage: hakobune <command> [options]

Commands:
  up          start every Hakobune service locally and supervise it until Ctrl-C
  status      show whether the services started by "up" are healthy
  storage     run the DynamoDB-compatible storage service in the foreground
  auth        auth-center administration: "auth rotate-keys" makes a new signing key active
  dashboards  "dashboards export DIR" writes the Grafana dashboards and provisioning files
  help        show this text

Run "hakobune <command> --help" for a command's options.
`;

export async function help(): Promise<number> {
  process.stdout.write(USAGE);
  return 0;
}
