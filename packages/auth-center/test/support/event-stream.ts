/** Reads the revocation Server-Sent Events stream the way a resource server would. */
export interface ReceivedEvent {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

export interface EventStream {
  /** Waits for the first event (received so far or later) that `matches`; rejects after `timeoutMs`. */
  waitFor(matches: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  /** Comment lines seen (heartbeats). */
  comments: string[];
  close(): void;
}

export async function openEventStream(
  url: string | URL,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(url, {
    signal: abort.signal,
    headers: { accept: "text/event-stream", ...headers },
  });
  if (response.status !== 200 || !response.body) throw new Error(`event stream answered ${response.status}`);
  const events: ReceivedEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let buffer = "";
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            const at = line.indexOf(": ");
            if (at > 0) fields[line.slice(0, at)] = line.slice(at + 2);
          }
          if (fields.data)
            events.push({ id: fields.id ?? "", event: fields.event ?? "", data: JSON.parse(fields.data) });
          for (const wake of waiters) wake();
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // Closed by the test.
    }
  })();
  return {
    comments,
    close: () => abort.abort(),
    waitFor(matches, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; saw ${JSON.stringify(events)}`));
        }, timeoutMs);
        function check() {
          const found = events.find(matches);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        }
        waiters.add(check);
        check();
      });
    },
  };
}
