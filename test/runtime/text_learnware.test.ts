/**
 * A text learnware end to end with the real server and a runner daemon: uploaded with an
 * RKMETextSpecification (semantic Data = Text), checked by the runner on random texts (the
 * Python EasyStatChecker's rule), USABLE, then found by the user's texts — embedded on the
 * user's side with the tiny local model — through POST /v1/search, the Beimingwu `/api` and
 * `lw search --texts`; a table learnware of the same dimension and a French text learnware
 * are not returned for English texts.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { RKMETextSpecification } from "../../core/text/rkmeTextSpec.ts";
import { buildTinyModel, TINY_DIM, TINY_MODEL_NAME } from "../../runner/text/buildTinyModel.ts";
import { loadTextEmbedder } from "../../runner/text/embedder.ts";
import { ModelClient } from "../../runner/service/client.ts";
import { repoRoot } from "../_util.ts";
import { ADMIN, spawnDaemon, startEdge, type DaemonProc } from "./_edge.ts";
import { onnxPackage, scratch, semantic } from "./_fixtures.ts";

const dir = scratch("lw-text-");
const edge = await startEdge(join(dir, "server"));
const daemons: DaemonProc[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
  await edge.close();
});
const modelFolder = buildTinyModel(join(dir, "models"));
const embed = await loadTextEmbedder({ modelsDir: join(dir, "models"), model: TINY_MODEL_NAME });

const EN_MARKET = [
  "the movie was great and the music was good",
  "a boring film with a terrible story",
  "i love this song and the music",
  "the film was fun and the team played a great game",
  "this book is a good story to read",
  "the movie was bad and boring",
];
const FR_MARKET = ["le chat est sur la table", "la maison est dans la ville avec le chat", "le train est pour la ville"];
const EN_USER = ["a great movie with good music", "the film story was boring", "i like the song"];

const TEXT_MODEL = `export default {
  input_shape: [1],
  output_shape: [2],
  predict(texts) { return texts.map((t) => (String(t).length % 2 === 0 ? [1, 0] : [0, 1])); },
};
`;

function textSemantic(name: string): Record<string, unknown> {
  return {
    Data: { Values: ["Text"], Type: "Class" },
    Task: { Values: ["Classification"], Type: "Class" },
    Library: { Values: ["Others"], Type: "Class" },
    Scenario: { Values: ["Entertainment"], Type: "Tag" },
    License: { Values: ["MIT"], Type: "Class" },
    Description: { Values: `sentiment of ${name} texts`, Type: "String" },
    Name: { Values: name, Type: "String" },
    Output: { Dimension: 2, Description: { "0": "negative", "1": "positive" } },
  };
}

async function textPackage(texts: string[], source = TEXT_MODEL): Promise<Uint8Array> {
  const spec = await RKMETextSpecification.generate(texts, embed, { K: 3 });
  return writeLearnwarePackage({
    yaml: {
      model: { kind: "js", module_path: "model.mjs", kwargs: {} },
      stat_specifications: [{ module_path: "learnware.specification", class_name: RKMETextSpecification.TYPE, file_name: "stat.json", kwargs: {} }],
    },
    files: { "model.mjs": source, "stat.json": spec.stringify() },
  });
}

function lw(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, "cli", "lw.js"), ...args], { cwd: dir, env: { ...process.env, ...env } });
    let out = "",
      err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

test("a text learnware goes upload → runner check on texts → USABLE → found by the user's texts via /v1/search, /api and lw search", async () => {
  const en = await edge.upload(textSemantic("english reviews"), await textPackage(EN_MARKET));
  const fr = await edge.upload(textSemantic("french notes"), await textPackage(FR_MARKET));
  // A text model that answers one label for the whole batch: the output-length rule makes it INVALID.
  const broken = await edge.upload(
    textSemantic("broken"),
    await textPackage(EN_MARKET, "export default { input_shape: [1], output_shape: [2], predict(texts) { return [[1, 0]]; } };\n"),
  );
  const table = await edge.upload(semantic({ task: "Classification", inDim: TINY_DIM, outDim: 3 }), onnxPackage(TINY_DIM, 3));
  const d = spawnDaemon({
    LW_SERVER_URL: edge.url,
    LW_TOKEN: await edge.token("runner", ["runner"]),
    LW_DATA_DIR: join(dir, "runner-data"),
    LW_RUNNER_NAME: "text-runner",
  });
  daemons.push(d);
  const e = await edge.waitFor(en.id, en.version);
  assert.equal(e.status, "usable", e.log ?? "");
  assert.match(e.log!, /stat spec stat\.json \(RKMETextSpecification\)/);
  assert.match(e.log!, /predict on 10 random texts/);
  assert.equal((await edge.waitFor(fr.id, fr.version)).status, "usable");
  assert.equal((await edge.waitFor(table.id, table.version)).status, "usable");
  const b = await edge.waitFor(broken.id, broken.version);
  assert.equal(b.status, "invalid");
  assert.match(b.log!, /✗ output_length: .*1 outputs for 10 inputs/);

  const user = await RKMETextSpecification.generate(EN_USER, embed, { K: 3 });
  const res = await fetch(`${edge.url}/v1/search`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({ stat: user.toJSON() }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { single: { items: { id: string; dist: number | null }[] }; path: string; ranked: number };
  assert.equal(body.path, "exact");
  assert.deepEqual(
    body.single.items.map((i) => i.id),
    [en.id],
    "only the English text learnware: not the French one, not the table of the same dimension",
  );
  assert.ok(body.single.items[0]!.dist! >= 0);
  assert.equal(body.ranked, 1);

  // The Beimingwu-compatible API with the same spec file.
  const form = new FormData();
  form.set("semantic_specification", JSON.stringify({}));
  form.set("statistical_specification", new Blob([user.stringify()], { type: "application/json" }), "stat.json");
  const api = (await (await fetch(`${edge.url}/api/engine/search_learnware`, { method: "POST", body: form })).json()) as {
    code: number;
    data: { learnware_list_single: { learnware_id: string }[] };
  };
  assert.equal(api.code, 0, JSON.stringify(api));
  assert.deepEqual(
    api.data.learnware_list_single.map((x) => x.learnware_id),
    [en.id],
  );

  // lw search --texts: the texts embedded by the CLI with the local model folder.
  writeFileSync(join(dir, "mine.txt"), EN_USER.join("\n") + "\n");
  const r = await lw(["search", "--server", edge.url, "--texts", "mine.txt", "--text-model", modelFolder, "--json"], { LW_TOKEN: ADMIN });
  assert.equal(r.code, 0, r.err);
  const cli = JSON.parse(r.out) as { single: { id: string }[] };
  assert.deepEqual(
    cli.single.map((s) => s.id),
    [en.id],
  );
  // lw spec generate --texts writes the same kind of spec (loadable by the registry's text kind).
  const gen = await lw(["spec", "generate", "--texts", "mine.txt", "--output", "mine.stat.json", "--text-model", modelFolder, "--K", "2"], {});
  assert.equal(gen.code, 0, gen.err);
  assert.match(gen.err, /text spec, 2 points, embedding d=32, languages en/);
  const written = RKMETextSpecification.parse(readFileSync(join(dir, "mine.stat.json"), "utf8"));
  assert.deepEqual(written.language, ["en"]);
  // Reused through the runner's model service: the model's predict on the user's texts.
  const client = new ModelClient(await d.address, { model: en.id, version: en.version, token: ADMIN });
  await client.initialize({});
  const pred = await client.predictTexts(EN_USER);
  assert.deepEqual(pred.shape, [3, 2]);
  assert.deepEqual(
    pred.y,
    EN_USER.map((t) => (t.length % 2 === 0 ? [1, 0] : [0, 1])),
  );
  // A missing model folder is a one-line error naming the setting.
  const noModel = await lw(["search", "--server", edge.url, "--texts", "mine.txt"], { LW_TOKEN: ADMIN, LW_TEXT_MODEL: "" });
  assert.equal(noModel.code, 2, noModel.err);
  assert.match(noModel.err, /--text-model DIR or LW_TEXT_MODEL/);
  await d.stop();
});
