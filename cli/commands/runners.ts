/** `lw runners`: the runners the server knows and what each offers (admin). */
import { parseArgs } from "node:util";
import { MarketClient, serverArgs } from "../client.ts";
import { CliError } from "../errors.ts";

const gib = (b: number | undefined) => (b === undefined ? "-" : `${(b / 2 ** 30).toFixed(1)}G`);

export async function runnersCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...serverArgs, json: { type: "boolean" } } });
  if (positionals.length > 0) throw new CliError(`Unknown runners argument "${positionals[0]}" (usage: lw runners [--json])`);
  const c = new MarketClient(values);
  c.requireToken("runners");
  const r = await c.call("listRunners");
  if (values.json) return (process.stdout.write(`${JSON.stringify(r, null, 2)}\n`), 0);
  process.stdout.write(`${"NAME".padEnd(20)} ${"STATE".padEnd(8)} JOBS ${"SANDBOX".padEnd(7)} CPUS MEMORY  GPUS  LABELS / BACKENDS\n`);
  for (const x of r.items) {
    const k = x.capabilities;
    const gpus = (k.gpuDevices ?? []).map((g) => `${g.name ?? g.uuid}${g.memoryMiB ? ` ${Math.round(g.memoryMiB / 1024)}G` : ""}`);
    process.stdout.write(
      `${x.name.padEnd(20)} ${(x.active ? "active" : "idle").padEnd(8)} ${String(x.leasedJobs).padStart(4)} ${(k.sandbox ?? "-").padEnd(7)} ${String(k.cpus ?? "-").padStart(4)} ${gib(k.memoryBytes).padStart(6)}  ${String(k.gpus).padStart(4)}  ${k.labels.join(",") || "-"} / ${(k.backends ?? []).join(",") || "-"}${gpus.length > 0 ? `  [${gpus.join(", ")}]` : ""}\n`,
    );
  }
  return 0;
}
