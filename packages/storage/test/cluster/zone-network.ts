/**
 * A private network of availability zones on one machine, for fault tests: one Linux network
 * namespace per zone, each joined by a veth pair to a bridge in the test's own namespace, with
 * addresses in a 10.200.<n>.0/24 subnet that no interface of the machine uses yet. A zone is cut off
 * by taking its link down (its packets are dropped silently, as when a zone's network fails) and
 * healed by bringing it up again.
 *
 * Creating namespaces needs root, Linux and iproute2's `ip`; `networkNamespacesUnavailable()` says
 * which of these is missing, so that a test can report why it is skipped.
 */
import { execFileSync, spawnSync } from "node:child_process";

/** Subnets tried (10.200.<n>.0/24) before giving up on finding an unused one. */
const maxSubnetProbes = 254;
/** Time one `ip` command may take. Milliseconds. */
const ipCommandTimeoutMs = 10_000;

export interface ZoneNetwork {
  /** The address a zone's processes use, in its own namespace. */
  addressOf(zone: string): string;
  /** The command prefix that runs a program inside a zone's namespace. */
  launcherOf(zone: string): string[];
  /** Drops every packet to and from the zone. */
  cut(zone: string): void;
  /** Brings a cut zone back onto the network. */
  heal(zone: string): void;
  /** Deletes every namespace, link and address this network created; safe to call twice. */
  remove(): void;
}

function ip(args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", timeout: ipCommandTimeoutMs, stdio: "pipe" });
}

/** Runs `ip` and ignores a failure: for clean-up of things that may already be gone. */
function ipQuietly(args: string[]): void {
  spawnSync("ip", args, { timeout: ipCommandTimeoutMs, stdio: "ignore" });
}

/**
 * Why zone networks cannot be built here, or undefined when they can. Probes by creating (and
 * deleting) a namespace and a veth pair, since root alone is not enough inside some containers.
 */
export function networkNamespacesUnavailable(): string | undefined {
  if (process.platform !== "linux") return `network namespaces are Linux-only (platform ${process.platform})`;
  if (process.getuid?.() !== 0) return `creating network namespaces needs root (uid ${process.getuid?.()})`;
  const version = spawnSync("ip", ["-V"], { encoding: "utf8", timeout: ipCommandTimeoutMs });
  if (version.error || version.status !== 0) {
    return `iproute2's "ip" command is not usable: ${version.error?.message ?? version.stderr}`;
  }
  // Interface names have at most 15 characters.
  const probe = `hkp${process.pid}`;
  try {
    ip(["netns", "add", probe]);
    ip(["link", "add", `${probe}h`, "type", "veth", "peer", "name", `${probe}n`]);
    ip(["link", "set", `${probe}n`, "netns", probe]);
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return `cannot create a network namespace with a veth pair: ${stderr || String(error)}`;
  } finally {
    ipQuietly(["link", "del", `${probe}h`]);
    ipQuietly(["netns", "del", probe]);
  }
}

/** The third octet of a 10.200.x.0/24 subnet no interface of this machine has an address in. */
function unusedSubnet(): number {
  const used = ip(["-o", "-4", "addr", "show"]);
  const start = process.pid % 254;
  for (let probe = 0; probe < maxSubnetProbes; probe++) {
    const octet = ((start + probe) % 254) + 1;
    if (!used.includes(` 10.200.${octet}.`)) return octet;
  }
  throw new Error("every 10.200.x.0/24 subnet is in use on this machine");
}

/** Builds the network: a bridge at 10.200.<n>.1 and one namespace per zone at 10.200.<n>.10, .11, … */
export function createZoneNetwork(zones: readonly string[]): ZoneNetwork {
  const octet = unusedSubnet();
  const prefix = `hkb${octet}`;
  const bridge = `${prefix}br`;
  const namespaceOf = (zone: string) => `${prefix}-${zone}`;
  const hostLinkOf = (zone: string) => `${prefix}${zone}h`;
  const addresses = new Map(zones.map((zone, index) => [zone, `10.200.${octet}.${10 + index}`]));
  const created: string[][] = [];
  const remove = () => {
    for (const undo of created.reverse()) ipQuietly(undo);
    created.length = 0;
  };
  try {
    ip(["link", "add", bridge, "type", "bridge"]);
    created.push(["link", "del", bridge]);
    ip(["addr", "add", `10.200.${octet}.1/24`, "dev", bridge]);
    ip(["link", "set", bridge, "up"]);
    for (const zone of zones) {
      const namespace = namespaceOf(zone);
      const inside = `${prefix}${zone}n`;
      ip(["netns", "add", namespace]);
      created.push(["netns", "del", namespace]);
      ip(["link", "add", hostLinkOf(zone), "type", "veth", "peer", "name", inside]);
      created.push(["link", "del", hostLinkOf(zone)]);
      ip(["link", "set", inside, "netns", namespace]);
      ip(["link", "set", hostLinkOf(zone), "master", bridge]);
      ip(["link", "set", hostLinkOf(zone), "up"]);
      ip(["-n", namespace, "addr", "add", `${addresses.get(zone)}/24`, "dev", inside]);
      ip(["-n", namespace, "link", "set", inside, "up"]);
      ip(["-n", namespace, "link", "set", "lo", "up"]);
    }
  } catch (error) {
    remove();
    throw error;
  }
  const known = (zone: string) => {
    if (!addresses.has(zone)) throw new Error(`no zone ${zone} in this network`);
    return zone;
  };
  return {
    addressOf: (zone) => addresses.get(known(zone))!,
    launcherOf: (zone) => ["ip", "netns", "exec", namespaceOf(known(zone))],
    cut: (zone) => void ip(["link", "set", hostLinkOf(known(zone)), "down"]),
    heal: (zone) => void ip(["link", "set", hostLinkOf(known(zone)), "up"]),
    remove,
  };
}
