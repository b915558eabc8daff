/** `lw delete ID` and `lw models delete ID`: a learnware / a model with all its versions. */
import { parseArgs } from "node:util";
import { MarketClient, serverArgs } from "../client.ts";
import { CliError } from "../errors.ts";

/** Deletes `what` at `path` after the user said `--yes` (deleting is permanent). */
export async function deleteResource(argv: string[], what: "learnware" | "model", pathOf: (id: string) => string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { ...serverArgs, yes: { type: "boolean", short: "y" }, json: { type: "boolean" } },
  });
  const usage = what === "model" ? "lw models delete ID --yes" : "lw delete ID --yes";
  if (positionals.length !== 1) throw new CliError(`delete needs one ${what} id: ${usage}`);
  const id = positionals[0]!;
  if (!values.yes) throw new CliError(`Deleting ${what} ${id} removes every version and cannot be undone: add --yes (${usage})`);
  const c = new MarketClient(values);
  c.requireToken("delete");
  await c.request("DELETE", pathOf(id), { accept: [204] });
  if (values.json) process.stdout.write(`${JSON.stringify({ deleted: id, kind: what })}\n`);
  else process.stdout.write(`deleted ${what} ${id}\n`);
  return 0;
}

export const deleteCommand = (argv: string[]) => deleteResource(argv, "learnware", (id) => `/v1/learnwares/${encodeURIComponent(id)}`);
