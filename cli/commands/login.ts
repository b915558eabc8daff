/** `lw login` / `lw logout`: a token checked against the server and stored in the lw config file. */
import { parseArgs } from "node:util";
import { MarketClient, serverArgs } from "../client.ts";
import { normaliseServer, readConfig, resolveServer, writeConfig } from "../config.ts";
import { CliError } from "../errors.ts";

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("Paste a token (then Enter): ");
  let text = "";
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (process.stdin.isTTY && text.includes("\n")) break;
  }
  return text.trim();
}

export async function loginCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...serverArgs, json: { type: "boolean" } } });
  if (positionals.length > 0) throw new CliError(`login takes no arguments, got "${positionals.join(" ")}"; pass --server URL and --token T`);
  const server = resolveServer(values.server);
  if (!server) throw new CliError("login needs a server: pass --server URL or set LW_SERVER");
  const token = values.token || process.env["LW_TOKEN"] || (await readStdin());
  if (!token) throw new CliError("login needs a token: pass --token T, set LW_TOKEN or give it on standard input");
  const client = new MarketClient({ server, token });
  const who = await client.call("whoami");
  if (!who.owner) throw new CliError(`The server at ${client.base} does not accept this token`, 1);
  const cfg = readConfig();
  cfg.server = client.base;
  cfg.tokens = { ...(cfg.tokens ?? {}), [normaliseServer(client.base)]: token.trim() };
  const file = writeConfig(cfg);
  if (values.json) process.stdout.write(`${JSON.stringify({ server: client.base, owner: who.owner, scopes: who.scopes, config: file })}\n`);
  else process.stdout.write(`logged in to ${client.base} as ${who.owner} (${who.scopes.join(", ")}); token stored in ${file}\n`);
  return 0;
}

export function logoutCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { server: { type: "string" }, json: { type: "boolean" } },
  });
  if (positionals.length > 0) throw new CliError(`logout takes no arguments, got "${positionals.join(" ")}"`);
  const cfg = readConfig();
  const server = normaliseServer(values.server || process.env["LW_SERVER"] || cfg.server || "");
  if (!server) throw new CliError("logout: no server given and none stored");
  const had = cfg.tokens?.[server] !== undefined;
  if (cfg.tokens) delete cfg.tokens[server];
  if (cfg.server && normaliseServer(cfg.server) === server) delete cfg.server;
  const file = writeConfig(cfg);
  if (values.json) process.stdout.write(`${JSON.stringify({ server, removed: had, config: file })}\n`);
  else process.stdout.write(had ? `logged out of ${server} (${file})\n` : `no token stored for ${server} (${file})\n`);
  return 0;
}
