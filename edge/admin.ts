/**
 * The admin command, working on the data folder directly (the server may be stopped):
 *
 *   node --import tsx edge/admin.ts create-token --owner alice --scopes read,write [--email a@x] [--name ci] [--expires-days 30]
 *   node --import tsx edge/admin.ts list-tokens
 *   node --import tsx edge/admin.ts revoke-token <id>
 *
 * The new token is printed once on stdout; only its sha256 is stored.
 */
import { isNull } from "drizzle-orm";
import { SCOPES, type Scope } from "./auth/tokens.ts";
import { loadConfig } from "./config.ts";
import { openDatabase } from "./db/client.ts";
import { tokens } from "./db/schema.ts";
import { createToken, revokeToken, tokenView } from "./services/tokens.ts";
import { mkdir } from "node:fs/promises";

const [cmd, ...rest] = process.argv.slice(2);
const opt = (name: string) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1] : undefined;
};
const config = loadConfig(process.env);
await mkdir(config.dataDir, { recursive: true });
const db = await openDatabase(config.dbUrl);
try {
  if (cmd === "create-token") {
    const owner = opt("owner");
    const scopes = (opt("scopes") ?? "read,write").split(",") as Scope[];
    if (!owner) throw new Error("--owner is required");
    for (const s of scopes) if (!SCOPES.includes(s)) throw new Error(`Unknown scope '${s}' (use ${SCOPES.join(", ")})`);
    const days = opt("expires-days");
    const { row, secret } = await createToken({ db }, Date.now(), {
      owner,
      scopes,
      email: opt("email") ?? null,
      name: opt("name") ?? "admin command",
      expiresAt: days ? Date.now() + Number(days) * 86400_000 : null,
      actor: "admin-command",
    });
    console.error(`created ${row.id} for ${owner} (${scopes.join(",")})`);
    console.log(secret);
  } else if (cmd === "list-tokens") {
    for (const t of await db.db.select().from(tokens).where(isNull(tokens.parentId))) console.log(JSON.stringify(tokenView(t)));
  } else if (cmd === "revoke-token") {
    const id = rest[0];
    if (!id) throw new Error("revoke-token <id>");
    await revokeToken({ db }, Date.now(), id, { owner: "admin-command", admin: true });
    console.log(`revoked ${id}`);
  } else {
    console.error("usage: admin.ts create-token --owner NAME [--scopes read,write] [--email E] [--expires-days N] | list-tokens | revoke-token ID");
    process.exitCode = 2;
  }
} finally {
  db.close();
}
