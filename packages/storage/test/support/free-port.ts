/** Free loopback ports for test processes: one picker for the whole repository. */
export { findFreePort } from "../../../../test/support/free-port.js";
