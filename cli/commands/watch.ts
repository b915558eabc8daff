/** `lw watch`: the server's event feed (SSE), one line per event, resuming after a dropped connection. */
import { parseArgs } from "node:util";
import { MarketClient, readSse, serverArgs } from "../client.ts";
import { CliError } from "../errors.ts";

export const watchHelp = `lw watch [--namespace NS] [--model ID] [--type T] [--after EVENT_ID] [--count N] [--json]   (--server/LW_SERVER, --token/LW_TOKEN)`;

interface EventView {
  id: number;
  at: string;
  type: string;
  namespace: string | null;
  modelId: string | null;
  version: number | null;
  actor: string | null;
  data: unknown;
}

export async function watchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...serverArgs,
      namespace: { type: "string" },
      model: { type: "string" },
      type: { type: "string" },
      after: { type: "string" },
      count: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(count > 0) || (count !== Infinity && !Number.isInteger(count))) throw new CliError(`--count must be a positive integer, got "${values.count}"`);
  let after: number | undefined;
  if (values.after !== undefined) {
    after = Number(values.after);
    if (!Number.isInteger(after) || after < 0) throw new CliError(`--after must be an event id (a non-negative integer), got "${values.after}"`);
  }
  const c = new MarketClient(values);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once("SIGINT", stop);
  let seen = 0,
    retries = 0;
  try {
    while (!abort.signal.aborted && seen < count) {
      let res: Response;
      try {
        res = await c.request("GET", "/v1/events/stream", {
          query: { namespace: values.namespace, model: values.model, type: values.type, after },
          headers: { accept: "text/event-stream" },
          signal: abort.signal,
        });
      } catch (e) {
        if (abort.signal.aborted) break;
        if (!(e instanceof CliError) || !e.message.startsWith("Cannot reach") || ++retries > 5 || seen === 0) throw e;
        await new Promise((r) => setTimeout(r, 500 * retries));
        continue;
      }
      if (seen === 0 && retries === 0) process.stderr.write(`watching ${c.base} (Ctrl-C to stop)\n`);
      try {
        for await (const ev of readSse(res.body!)) {
          if (ev.event === "ready") continue;
          const e = JSON.parse(ev.data) as EventView;
          after = e.id;
          retries = 0;
          if (values.json) process.stdout.write(JSON.stringify(e) + "\n");
          else {
            const where = [e.namespace, e.modelId ? `${e.modelId}${e.version ? ` v${e.version}` : ""}` : null].filter(Boolean).join(" ");
            process.stdout.write(`${e.at}  #${e.id}  ${e.type.padEnd(18)} ${where}${e.actor ? `  by ${e.actor}` : ""}  ${JSON.stringify(e.data)}\n`);
          }
          if (++seen >= count) break;
        }
      } catch (e) {
        if (abort.signal.aborted) break;
        if (++retries > 5) throw new CliError(`The event feed of ${c.base} broke: ${(e as Error).message}`, 1);
      }
      if (seen < count && !abort.signal.aborted) await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    process.off("SIGINT", stop);
    abort.abort();
  }
  return 0;
}
