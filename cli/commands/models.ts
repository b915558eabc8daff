/** `lw models …`: the model registry on a server (models, versions, tags, metrics, artifacts). */
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { MarketClient, serverArgs, sha256Hex } from "../client.ts";
import { CliError } from "../errors.ts";
import { readBytes } from "../files.ts";
import { progressBar } from "../progress.ts";
import { deleteResource } from "./delete.ts";

export const modelsHelp = `lw models list [--namespace NS] [--q TEXT] [--kind model|learnware] [--json]
lw models create [NAMESPACE] NAME | NAMESPACE/NAME [--task T] [--description D] [--owner O]
lw models get MODEL | versions MODEL
lw models new-version MODEL [--label L] [--name N] [--description D] [--framework F] [--tag T]… [--metadata '{"k":1}']
lw models tag MODEL TAG VERSION
lw models log VERSION key=number… [--step N]   |   lw models metrics VERSION [--json]
lw models param VERSION key=value…              |   lw models params VERSION [--json]
lw models put-artifact VERSION FILE [--path P]  |   lw models artifacts VERSION
   MODEL is an id, NAMESPACE/NAME or a NAME in the default namespace; VERSION is
   MODEL@TAG, MODEL:NUMBER, MODEL:LABEL, or MODEL followed by a number, tag or label
   --model-level: log, metrics, param, params, put-artifact and artifacts address the model
   itself (its own metrics, params and artifacts) and take MODEL instead of VERSION, e.g.
   lw models log --model-level MODEL key=number…
lw models delete MODEL --yes
   (every models command: --server/LW_SERVER, --token/LW_TOKEN)`;

const enc = encodeURIComponent;
const out = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + "\n");

function need(positionals: string[], n: number, usage: string): string[] {
  if (positionals.length !== n) throw new CliError(`Usage: lw models ${usage}`);
  return positionals;
}

/** `MODEL@tag` / `MODEL:version` in one word, or `MODEL VERSION` in two: the model and version to address. */
async function versionAt(c: MarketClient, positionals: string[], usage: string): Promise<{ model: string; ref: string; label: string; rest: string[] }> {
  const [first, ...rest] = positionals;
  if (first === undefined) throw new CliError(`Usage: lw models ${usage}`);
  if (/[@:][^/]*$/.test(first.slice(first.lastIndexOf("/") + 1)) && !/^\d+$/.test(first)) {
    const r = await c.call("resolve", { params: { ref: first } });
    return { model: r.model.id, ref: String(r.version.number), label: first, rest };
  }
  const [ref, ...more] = rest;
  if (ref === undefined) throw new CliError(`Usage: lw models ${usage}`);
  return { model: first, ref, label: `${first} v${ref}`, rest: more };
}

/**
 * What a metrics/params/artifacts command addresses: a version, or (--model-level) the model
 * itself — the path parameters of the version's operation or of the model's (`onModel`).
 */
async function scopeAt(
  c: MarketClient,
  positionals: string[],
  usage: string,
  modelLevel: boolean,
): Promise<{ params: Record<string, string>; onModel: boolean; label: string; rest: string[] }> {
  if (modelLevel) {
    const [model, ...rest] = positionals;
    if (model === undefined) throw new CliError(`Usage: lw models ${usage.replace("VERSION", "--model-level MODEL")}`);
    return { params: { id: model }, onModel: true, label: `model ${model}`, rest };
  }
  const at = await versionAt(c, positionals, usage);
  return { params: { id: at.model, ref: at.ref }, onModel: false, label: at.label, rest: at.rest };
}

function pairs(items: string[], what: string): [string, string][] {
  return items.map((p) => {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new CliError(`A ${what} is key=value, got "${p}"`);
    return [p.slice(0, eq), p.slice(eq + 1)];
  });
}

function int(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${what} must be a non-negative integer, got "${v}"`);
  return n;
}

export async function modelsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "delete") return deleteResource(rest, "model", (id) => `/v1/models/${enc(id)}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      ...serverArgs,
      json: { type: "boolean" },
      namespace: { type: "string" },
      q: { type: "string" },
      kind: { type: "string" },
      limit: { type: "string" },
      offset: { type: "string" },
      task: { type: "string" },
      description: { type: "string" },
      framework: { type: "string" },
      tag: { type: "string", multiple: true },
      metadata: { type: "string" },
      step: { type: "string" },
      path: { type: "string" },
      "model-level": { type: "boolean" },
      owner: { type: "string" },
      label: { type: "string" },
      name: { type: "string" },
    },
  });
  const c = new MarketClient(values);
  const modelLevel = values["model-level"] === true;
  if (modelLevel && !["log", "metrics", "param", "params", "put-artifact", "artifacts"].includes(sub ?? ""))
    throw new CliError(`--model-level applies to log, metrics, param, params, put-artifact and artifacts, not "${sub ?? ""}"`);
  switch (sub) {
    case "list": {
      if (values.kind && values.kind !== "model" && values.kind !== "learnware") throw new CliError(`--kind must be model or learnware, got "${values.kind}"`);
      const r = await c.call("listModels", {
        query: { namespace: values.namespace, q: values.q, kind: values.kind, limit: values.limit, offset: values.offset },
      });
      if (values.json) return (out(r), 0);
      process.stdout.write(`${"ID".padEnd(8)}  ${"KIND".padEnd(9)} ${"NAME".padEnd(48)} LATEST STATUS\n`);
      for (const m of r.items)
        process.stdout.write(`${m.id}  ${m.kind.padEnd(9)} ${`${m.namespace}/${m.name}`.padEnd(48)} ${`v${m.latestVersion}`.padEnd(6)} ${m.status ?? ""}\n`);
      process.stdout.write(`${r.items.length} of ${r.total}\n`);
      return 0;
    }
    case "create": {
      if (positionals.length < 1 || positionals.length > 2) throw new CliError("Usage: lw models create [NAMESPACE] NAME | NAMESPACE/NAME");
      const [ns, name] =
        positionals.length === 2 ? positionals : positionals[0]!.includes("/") ? positionals[0]!.split(/\/(.*)/s, 2) : [undefined, positionals[0]];
      const r = await c.call("createDefaultModel", {
        json: {
          name: name!,
          ...(ns ? { namespace: ns } : {}),
          ...(values.owner ? { owner: values.owner } : {}),
          ...(values.task ? { task: values.task } : {}),
          ...(values.description ? { description: values.description } : {}),
        },
      });
      return (values.json ? out(r) : process.stdout.write(`${r.id}\n`), 0);
    }
    case "get": {
      const [id] = need(positionals, 1, "get MODEL");
      return (out(await c.call("getModel", { params: { id: id! } })), 0);
    }
    case "versions": {
      const [id] = need(positionals, 1, "versions MODEL");
      const r = await c.call("listModelVersions", { params: { id: id! } });
      if (values.json) return (out(r), 0);
      process.stdout.write(`${"VERSION".padEnd(8)} ${"LABEL".padEnd(10)} ${"STATUS".padEnd(8)} ${"FRAMEWORK".padEnd(12)} ${"CREATED".padEnd(24)} TAGS\n`);
      for (const v of r.items)
        process.stdout.write(
          `${`v${v.number}`.padEnd(8)} ${(v.label ?? "-").padEnd(10)} ${v.status.padEnd(8)} ${(v.framework ?? "-").padEnd(12)} ${v.createdAt.padEnd(24)} ${v.tags.join(",")}\n`,
        );
      return 0;
    }
    case "new-version": {
      const [id] = need(positionals, 1, "new-version MODEL");
      let metadata: Record<string, unknown> | undefined;
      if (values.metadata) {
        try {
          metadata = JSON.parse(values.metadata);
        } catch (e) {
          throw new CliError(`--metadata is not valid JSON: ${(e as Error).message}`);
        }
      }
      const r = await c.call("createModelVersion", {
        params: { id: id! },
        json: {
          ...(values.label ? { label: values.label } : {}),
          ...(values.name ? { name: values.name } : {}),
          ...(values.description ? { description: values.description } : {}),
          ...(values.framework ? { framework: values.framework } : {}),
          ...(metadata !== undefined ? { metadata } : {}),
          ...(values.tag ? { tags: values.tag } : {}),
        },
      });
      return (values.json ? out(r) : process.stdout.write(`${id} v${r.number}\n`), 0);
    }
    case "tag": {
      const [id, tag, version] = need(positionals, 3, "tag MODEL TAG VERSION");
      const r = await c.call("moveTag", { params: { id: id!, tag: tag! }, json: { version: int(version!, "VERSION") } });
      if (values.json) return (out(r), 0);
      process.stdout.write(`${id} ${tag} → v${version}\n`);
      return 0;
    }
    case "log": {
      const at = await scopeAt(c, positionals, "log VERSION key=number… [--step N]", modelLevel);
      if (at.rest.length === 0) throw new CliError("Usage: lw models log VERSION key=number… (or --model-level MODEL key=number…)");
      const step = values.step === undefined ? undefined : int(values.step, "--step");
      // Metrics are numbers (a series per key); strings are params (`lw models param`), as in MLflow.
      const metrics = pairs(at.rest, "metric").map(([key, raw]) => {
        const num = Number(raw);
        if (raw.trim() === "" || !Number.isFinite(num)) {
          throw new CliError(`Metric ${key}: "${raw}" is not a number; metrics are numeric (log a string with "lw models param")`);
        }
        return { key, value: num, ...(step !== undefined ? { step } : {}) };
      });
      const r = await c.call(at.onModel ? "logModelMetrics" : "logMetrics", { params: at.params, json: { metrics } });
      if (values.json) return (out(r), 0);
      process.stdout.write(`logged ${r.logged} metric(s) on ${at.label}\n`);
      return 0;
    }
    case "metrics": {
      const at = await scopeAt(c, positionals, "metrics VERSION", modelLevel);
      need(at.rest, 0, modelLevel ? "metrics --model-level MODEL" : "metrics VERSION");
      const r = await c.call(at.onModel ? "getModelMetrics" : "getMetrics", { params: at.params });
      if (values.json) return (out(r), 0);
      for (const [k, pts] of Object.entries(r.metrics))
        process.stdout.write(`${k}: ${pts.map((p) => `${p.step}:${String(p.value ?? "(bytes)")}`).join(" ")}\n`);
      return 0;
    }
    case "param": {
      const at = await scopeAt(c, positionals, "param VERSION key=value…", modelLevel);
      if (at.rest.length === 0) throw new CliError("Usage: lw models param VERSION key=value… (or --model-level MODEL key=value…)");
      const params = Object.fromEntries(pairs(at.rest, "param"));
      await c.call(at.onModel ? "logModelParams" : "logParams", { params: at.params, json: { params } });
      process.stdout.write(`logged ${Object.keys(params).length} param(s) on ${at.label}\n`);
      return 0;
    }
    case "params": {
      const at = await scopeAt(c, positionals, "params VERSION", modelLevel);
      need(at.rest, 0, modelLevel ? "params --model-level MODEL" : "params VERSION");
      const r = await c.call(at.onModel ? "getModelParams" : "getParams", { params: at.params });
      if (values.json) return (out(r), 0);
      for (const [k, v] of Object.entries(r.params)) process.stdout.write(`${k}=${v}\n`);
      return 0;
    }
    case "put-artifact": {
      const at = await scopeAt(c, positionals, "put-artifact VERSION FILE [--path P]", modelLevel);
      const [file] = need(at.rest, 1, modelLevel ? "put-artifact --model-level MODEL FILE [--path P]" : "put-artifact VERSION FILE [--path P]");
      let size: number;
      try {
        size = statSync(file!).size;
      } catch {
        throw new CliError(`Cannot find artifact file ${file}`);
      }
      const bytes = size < 512 * 1048576 ? readBytes(file!, "artifact") : readFileSync(file!);
      const bar = progressBar(`uploading ${basename(file!)}`);
      // Stream in slices so the bar moves on a big artifact.
      let sent = 0;
      const slice = 1 << 20;
      const body = new ReadableStream<Uint8Array>({
        pull(ctrl) {
          if (sent >= bytes.length) return ctrl.close();
          const part = bytes.subarray(sent, Math.min(bytes.length, sent + slice));
          sent += part.length;
          bar.update(sent / bytes.length);
          ctrl.enqueue(part);
        },
      });
      const r = await c.call(at.onModel ? "uploadModelArtifact" : "uploadArtifact", {
        params: at.params,
        query: { path: values.path ?? basename(file!) },
        body: body as unknown as BodyInit,
        headers: { "x-checksum-sha256": await sha256Hex(bytes), "content-length": String(bytes.length) },
      });
      bar.done();
      if (values.json) return (out(r), 0);
      process.stdout.write(`${r.path} ${r.size} bytes sha256 ${r.sha256}\n`);
      return 0;
    }
    case "artifacts": {
      const at = await scopeAt(c, positionals, "artifacts VERSION", modelLevel);
      need(at.rest, 0, modelLevel ? "artifacts --model-level MODEL" : "artifacts VERSION");
      const r = await c.call(at.onModel ? "listModelArtifacts" : "listArtifacts", { params: at.params });
      if (values.json) return (out(r), 0);
      process.stdout.write(`PATH  SIZE  SHA256  MIME  TYPE  STORAGE\n`);
      for (const a of r.items) process.stdout.write(`${a.path}  ${a.size ?? "-"}  ${a.sha256 ?? "-"}  ${a.mime}  ${a.fileType}  ${a.storage}\n`);
      return 0;
    }
    default:
      throw new CliError(
        `Unknown models command "${sub ?? ""}" (list, create, get, versions, new-version, tag, log, metrics, param, params, put-artifact, artifacts, delete); see "lw models --help"`,
      );
  }
}
