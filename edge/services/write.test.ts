/**
 * The one write path over a real libSQL file: a change's events land in its transaction and
 * wake the hub after the commit; a failed change leaves neither rows nor events; the offline
 * admin command writes tokens through the same services (its changes are in the event log).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { repoRoot, scratch } from "../../test/_util.ts";
import { openDatabase } from "../db/client.ts";
import { events, tokens } from "../db/schema.ts";
import { createToken, revokeToken } from "./tokens.ts";
import { writeChange } from "./write.ts";

const dir = scratch("lw-write-");
const db = await openDatabase(`file:${join(dir, "lw.db")}`);
after(() => db.close());

test("events emitted by a change are committed with it and notify the hub once; a change without events does not notify", async () => {
  let notified = 0;
  const w = { db, hub: { notify: () => notified++ } };
  const { row } = await createToken(w, 1000, { owner: "ann", scopes: ["read"], actor: "t" });
  assert.equal(notified, 1);
  await writeChange(w, 1001, async (tx) => {
    await tx.update(tokens).set({ lastUsedAt: 1001 }).where(eq(tokens.id, row.id));
  });
  assert.equal(notified, 1, "no event, no notification");
  await revokeToken(w, 1002, row.id, { owner: "ann", admin: false });
  assert.equal(notified, 2);
  const log = await db.db.select().from(events);
  assert.deepEqual(
    log.map((e) => [e.type, e.at, e.data.tokenId]),
    [
      ["token.created", 1000, row.id],
      ["token.revoked", 1002, row.id],
    ],
  );
  await assert.rejects(revokeToken(w, 1003, row.id, { owner: "bob", admin: false }), { code: "FORBIDDEN" });
  await assert.rejects(revokeToken(w, 1003, "tok_nope", { owner: "ann", admin: true }), { code: "NOT_FOUND" });
});

test("a change that throws leaves neither its rows nor its events, and notifies nobody", async () => {
  let notified = 0;
  const w = { db, hub: { notify: () => notified++ } };
  const before = (await db.db.select().from(events)).length;
  await assert.rejects(
    writeChange(w, 2000, async (tx, emit) => {
      await tx.update(tokens).set({ name: "changed" });
      await emit({ type: "token.created", actor: "t", data: {} });
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(notified, 0);
  assert.equal((await db.db.select().from(events)).length, before);
  assert.ok((await db.db.select().from(tokens)).every((t) => t.name !== "changed"));
});

test("admin.ts create-token and revoke-token go through the token service: both are in the event log", async () => {
  const data = scratch("lw-admin-");
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", join(repoRoot, "edge", "admin.ts"), ...args], {
      cwd: repoRoot,
      env: { ...process.env, LW_DATA_DIR: data, LW_DB_URL: "" },
    });
  const created = await run("create-token", "--owner", "carl", "--scopes", "read,write");
  const secret = created.stdout.trim();
  assert.match(secret, /^lw_/);
  const id = /created (tok_\S+)/.exec(created.stderr)?.[1];
  assert.ok(id, created.stderr);
  await run("revoke-token", id);
  await assert.rejects(run("revoke-token", "tok_missing"), /not found/);
  const adminDb = await openDatabase(`file:${join(data, "lw.db")}`);
  try {
    const log = await adminDb.db.select().from(events);
    assert.deepEqual(
      log.map((e) => [e.type, e.actor, e.data.tokenId]),
      [
        ["token.created", "admin-command", id],
        ["token.revoked", "admin-command", id],
      ],
    );
  } finally {
    adminDb.close();
  }
});
