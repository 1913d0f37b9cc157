/**
 * Free TCP ports on the loopback interface for test processes.
 *
 * A port found by listening on port 0 comes from the kernel's ephemeral range, the same range every
 * outgoing connection's local port is taken from: between closing the probe and the child binding the
 * port, any connection on the machine can take it (seen as EADDRINUSE in the child). So tests pick
 * their ports below the ephemeral range instead, where the kernel never hands ports out, and each test
 * worker takes its own slice of it so that two workers never pick the same port. Each pick is still
 * checked by binding it once, for processes left over from an earlier run.
 */
import { createServer } from "node:net";

/** Ports tests pick from: [first, first + slice size × slices), all below Linux's ephemeral range. */
const firstPort = 20_000;
const portsPerSlice = 1_500;
const slices = 8;
/** Ports tried before giving up when every one of them is in use. */
const maxPortsTried = portsPerSlice;

const sliceIndex = (Number(process.env.VITEST_POOL_ID ?? process.pid) || 0) % slices;
const sliceStart = firstPort + sliceIndex * portsPerSlice;
// A random start spreads the files that run one after another in the same worker over the slice.
let nextOffset = Math.floor(Math.random() * portsPerSlice);

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port no other test of this run is given, and that nothing listens on now. */
export async function findFreePort(): Promise<number> {
  for (let tried = 0; tried < maxPortsTried; tried++) {
    const port = sliceStart + (nextOffset % portsPerSlice);
    nextOffset++;
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port among ${maxPortsTried} tried from ${sliceStart}`);
}
