/**
 * An operation's output already in its wire form. GetItem answers with the item's JSON exactly as the
 * store keeps it, so the server sends that text on instead of parsing it into an object and
 * stringifying the object again.
 */
export class SerializedOutput {
  /** The whole JSON response body. */
  readonly json: string;

  constructor(json: string) {
    this.json = json;
  }

  /** For callers that stringify every output themselves (a cluster node answering the router). */
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}
