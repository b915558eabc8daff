/** `lw tokens …`: create (admin), list and revoke API tokens; `whoami`. */
import { parseArgs } from "node:util";
import { SCOPES, type Scope } from "../../client/requests.ts";
import { MarketClient, serverArgs } from "../client.ts";
import { CliError } from "../errors.ts";

export const tokensHelp = `lw tokens create --owner NAME [--scopes read,write] [--email E] [--name N] [--expires-in SECONDS] [--json]
lw tokens list [--json] | lw tokens revoke TOKEN_ID | lw tokens whoami   (--server/LW_SERVER, --token/LW_TOKEN)`;

const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

export async function tokensCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      ...serverArgs,
      owner: { type: "string" },
      scopes: { type: "string" },
      email: { type: "string" },
      name: { type: "string" },
      "expires-in": { type: "string" },
      json: { type: "boolean" },
    },
  });
  const c = new MarketClient(values);
  switch (sub) {
    case "create": {
      if (!values.owner) throw new CliError("tokens create needs --owner NAME");
      const scopes = (values.scopes ?? "read,write")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = scopes.find((s) => !isScope(s));
      if (bad !== undefined || !scopes.every(isScope)) throw new CliError(`--scopes: unknown scope "${bad}" (use ${SCOPES.join(", ")})`);
      let expires: number | undefined;
      if (values["expires-in"] !== undefined) {
        expires = Number(values["expires-in"]);
        if (!Number.isInteger(expires) || expires <= 0) throw new CliError(`--expires-in must be a positive number of seconds, got "${values["expires-in"]}"`);
      }
      c.requireToken("tokens create");
      const r = await c.call("createToken", {
        json: {
          owner: values.owner,
          scopes,
          ...(values.email ? { email: values.email } : {}),
          ...(values.name ? { name: values.name } : {}),
          ...(expires ? { expiresInSeconds: expires } : {}),
        },
      });
      if (values.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      else {
        process.stdout.write(`${r.token}\n`);
        process.stderr.write(`token ${r.id} for ${r.owner} (${r.scopes.join(", ")}); the secret above is shown once\n`);
      }
      return 0;
    }
    case "list": {
      c.requireToken("tokens list");
      const r = await c.call("listTokens");
      if (values.json) return (process.stdout.write(JSON.stringify(r, null, 2) + "\n"), 0);
      process.stdout.write(`${"ID".padEnd(r.items[0]?.id.length ?? 2)}  ${"OWNER".padEnd(16)} ${"SCOPES".padEnd(18)} STATE  NAME\n`);
      for (const t of r.items)
        process.stdout.write(
          `${t.id}  ${t.owner.padEnd(16)} ${t.scopes.join(",").padEnd(18)} ${t.revokedAt ? "revoked" : t.expiresAt ? `expires ${t.expiresAt}` : "active"}  ${t.name}\n`,
        );
      return 0;
    }
    case "revoke": {
      if (positionals.length !== 1) throw new CliError("Usage: lw tokens revoke TOKEN_ID");
      c.requireToken("tokens revoke");
      await c.call("revokeToken", { params: { id: positionals[0]! } });
      if (values.json) return (process.stdout.write(`${JSON.stringify({ revoked: positionals[0] })}\n`), 0);
      process.stdout.write(`revoked ${positionals[0]}\n`);
      return 0;
    }
    case "whoami": {
      const r = await c.call("whoami");
      if (values.json) return (process.stdout.write(`${JSON.stringify(r)}\n`), 0);
      process.stdout.write(r.owner ? `${r.owner} (${r.scopes.join(", ")})\n` : "anonymous\n");
      return 0;
    }
    default:
      throw new CliError(`Unknown tokens command "${sub ?? ""}" (create, list, revoke, whoami); see "lw help"`);
  }
}
