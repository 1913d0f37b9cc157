/** Where commands write: lines for people, JSON for scripts. Tests pass their own. */
export interface Output {
  line(text: string): void;
  json(value: unknown): void;
  /** Messages about the run itself (prompts, warnings), on standard error. */
  note(text: string): void;
}

export function processOutput(): Output {
  return {
    line: (text) => process.stdout.write(`${text}\n`),
    json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    note: (text) => process.stderr.write(`${text}\n`),
  };
}
