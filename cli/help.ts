/**
 * The `lw` help, declared once: one row per command and sub-command (its usage lines and a
 * one-line summary). `lw help`, `lw --help`, `lw <cmd> --help` and `lw <cmd> <sub> --help`
 * are all answered from this table (exit 0), so a new command is one row here plus its code.
 */

export interface HelpEntry {
  /** The command path, e.g. "models log". */
  path: string;
  /** Usage lines (without the leading "lw "). */
  usage: string[];
  summary: string;
  /** The group it is listed under in `lw help`. */
  group: "files" | "server" | "running";
}

const SERVER = "(--server URL or LW_SERVER or `lw login`; --token or LW_TOKEN or `lw login`)";

export const HELP: HelpEntry[] = [
  { path: "spec", group: "files", usage: ["spec generate|dist …"], summary: "Statistical specifications (RKME) of table data." },
  {
    path: "spec generate",
    group: "files",
    usage: ["spec generate --input data.{csv,json,npy} --output stat.json [--K 100] [--gamma 0.1] [--steps 3] [--step-size 0.1] [--seed 0] [--json]"],
    summary: "Builds a table RKME (the statistical specification) from an n×d dataset; same seed, same spec.",
  },
  {
    path: "spec dist",
    group: "files",
    usage: ["spec dist A.json B.json"],
    summary: 'Prints {"dist", "ip_ab", "ip_aa", "ip_bb"}: the MMD² between two stat specs and their inner products (JSON).',
  },
  {
    path: "search",
    group: "files",
    usage: [
      "search --market <market.json | folder of zips> [--spec user_stat.json] [--semantic user_semantic.json] [--max 5] [--method greedy|auto|none] [--searcher fuzzy|exact] [--json]",
      `search --server URL … [--approximate] [--hetero auto|on|off]   the same options, answered by a market server ${SERVER}`,
    ],
    summary:
      "The market's combined search: semantic first, then statistical. Scores are relative (normalised over the candidates); the fit column is absolute. An unknown --method gives single results only, as the Python market does.",
  },
  { path: "check", group: "files", usage: ["check semantic|package …"], summary: "The market's checkers, offline." },
  {
    path: "check semantic",
    group: "files",
    usage: ["check semantic spec.json [--json]"],
    summary: "The semantic checker's verdict: exit 0 when the spec is valid, 1 when INVALID.",
  },
  {
    path: "check package",
    group: "files",
    usage: ["check package pkg.zip [--semantic spec.json] [--json]"],
    summary: "The package's structure, safety and stat specs (and the semantic spec's dimensions): exit 0 ok, 1 INVALID.",
  },
  {
    path: "login",
    group: "server",
    usage: ["login [--server URL] [--token T]   (without --token: reads the token from standard input)"],
    summary: "Checks a token against the server and stores it with the server as the default in $XDG_CONFIG_HOME/lw/config.json (mode 0600).",
  },
  { path: "logout", group: "server", usage: ["logout [--server URL]"], summary: "Forgets the stored token of a server (the default server without --server)." },
  {
    path: "upload",
    group: "server",
    usage: [`upload pkg.zip --semantic semantic.json [--learnware ID] [--resume up_…] [--chunk-mb 8] [--json]   ${SERVER}`],
    summary: "Checks a package locally, then uploads it in resumable chunks; --learnware ID adds a new version to that learnware.",
  },
  {
    path: "download",
    group: "server",
    usage: [`download ID [--version N|tag|latest] [--output file.zip] [--json]   ${SERVER}`],
    summary: "Downloads a version's package, streamed, with its sha256 verified.",
  },
  { path: "delete", group: "server", usage: [`delete ID [--yes] [--json]   ${SERVER}`], summary: "Deletes a learnware and all its versions (owner or admin)." },
  {
    path: "models",
    group: "server",
    usage: ["models list|create|get|versions|new-version|tag|log|metrics|put-artifact|artifacts|delete …"],
    summary:
      "The model registry: models, immutable versions, tags, metrics, params and artifacts (on a version, or with --model-level on the model itself: log, metrics, param, params, put-artifact, artifacts).",
  },
  {
    path: "models list",
    group: "server",
    usage: [`models list [--namespace NS] [--q TEXT] [--kind model|learnware] [--limit N] [--offset N] [--json]   ${SERVER}`],
    summary: "Lists models (a table with a header, or JSON).",
  },
  {
    path: "models create",
    group: "server",
    usage: [`models create NAMESPACE NAME [--task T] [--description D] [--json]   ${SERVER}`],
    summary: "Creates a model.",
  },
  { path: "models get", group: "server", usage: [`models get ID   ${SERVER}`], summary: "Prints a model (JSON)." },
  {
    path: "models versions",
    group: "server",
    usage: [`models versions ID [--json]   ${SERVER}`],
    summary: "Lists a model's versions with their status and tags.",
  },
  {
    path: "models new-version",
    group: "server",
    usage: [`models new-version ID [--framework F] [--tag T]… [--metadata '{"k":1}'] [--json]   ${SERVER}`],
    summary: "Creates a new version.",
  },
  { path: "models tag", group: "server", usage: [`models tag ID TAG VERSION [--json]   ${SERVER}`], summary: "Points a tag (unique per model) at a version." },
  {
    path: "models log",
    group: "server",
    usage: [`models log ID VERSION key=value… [--step N] [--json]   ${SERVER}`, `models log --model-level MODEL key=value… [--step N] [--json]`],
    summary: "Logs metrics on a version, or with --model-level on the model itself.",
  },
  {
    path: "models metrics",
    group: "server",
    usage: [`models metrics ID VERSION | --model-level MODEL [--json]   ${SERVER}`],
    summary: "Prints a version's (or with --model-level the model's own) metrics.",
  },
  {
    path: "models put-artifact",
    group: "server",
    usage: [`models put-artifact ID VERSION FILE [--path P] [--json]   ${SERVER}`, `models put-artifact --model-level MODEL FILE [--path P] [--json]`],
    summary: "Uploads an artifact of a version (or with --model-level of the model itself), streamed, with its sha256.",
  },
  {
    path: "models artifacts",
    group: "server",
    usage: [`models artifacts ID VERSION | --model-level MODEL [--json]   ${SERVER}`],
    summary: "Lists a version's (or with --model-level the model's own) artifacts.",
  },
  { path: "models delete", group: "server", usage: [`models delete ID [--yes] [--json]   ${SERVER}`], summary: "Deletes a model and all its versions." },
  { path: "tokens", group: "server", usage: ["tokens create|list|revoke|whoami …"], summary: "API tokens." },
  {
    path: "tokens create",
    group: "server",
    usage: [`tokens create --owner NAME [--scopes read,write] [--email E] [--name N] [--expires-in SECONDS] [--json]   ${SERVER}`],
    summary: "Creates a token (admin); the secret is printed once.",
  },
  { path: "tokens list", group: "server", usage: [`tokens list [--json]   ${SERVER}`], summary: "Lists tokens (admin: all; others: their own)." },
  { path: "tokens revoke", group: "server", usage: [`tokens revoke TOKEN_ID [--json]   ${SERVER}`], summary: "Revokes a token." },
  { path: "tokens whoami", group: "server", usage: [`tokens whoami [--json]   ${SERVER}`], summary: "Who the token belongs to, and its scopes." },
  {
    path: "runners",
    group: "server",
    usage: [`runners [--json]   ${SERVER}`],
    summary: "Lists the runners (admin): state, jobs held, sandbox, CPUs, memory, GPUs, labels and backends.",
  },
  {
    path: "watch",
    group: "server",
    usage: [`watch [--namespace NS] [--model ID] [--type T] [--after EVENT_ID] [--count N] [--json]   ${SERVER}`],
    summary: "Follows the event feed (server-sent events); Ctrl-C stops.",
  },
  {
    path: "serve",
    group: "running",
    usage: ["serve"],
    summary: "The runner daemon: the model service on LW_RUNNER_PORT (8790) and, with LW_SERVER and a runner token in LW_TOKEN, the check jobs.",
  },
  {
    path: "register",
    group: "running",
    usage: [
      "register --repository <id|name> --runner <hooks.js> --semantic <sem.json> [--data X.csv] [--create] [--number N] [--artifact target=glob*]… [--requirement line]…",
    ],
    summary: `Packs a model, runner hooks, requirements and artifacts into a learnware and uploads it as a new version ${SERVER}.`,
  },
  {
    path: "reuse",
    group: "running",
    usage: [
      "reuse --market <market.json | folder of zips> --spec user_stat.json [--semantic user_semantic.json] --kind job_selector|averaging|ensemble_pruning|feature_augment",
      "      [--mode …] [--top-k N] [--max 5] [--method greedy|auto|none] --input X.csv [--fit-input X.csv --labels y.csv] --output pred.csv [--weighted] [--service URL [--token T]]",
    ],
    summary:
      "Searches, builds one reuser from the result, fits it when it needs labels, predicts the rows and writes them as CSV. averaging counts every learnware once (as Python's AveragingReuser); --weighted weights it by the search weights.",
  },
];

export const EXIT_CODES = `Exit codes: 0 ok; 1 failure (the server refused or was unreachable, a download was corrupt, or a check's verdict is INVALID); 2 usage (an unknown command or option, a missing or malformed argument, an input file that cannot be read).`;

const GROUPS: Record<HelpEntry["group"], string> = {
  files: "On files (no server needed):",
  server: `On a server ${SERVER}:`,
  running: "Running learnwares:",
};

/** `lw help`: every leaf command's usage, grouped. */
export function mainHelp(version: string): string {
  const leaves = HELP.filter((e) => !HELP.some((o) => o.path.startsWith(`${e.path} `)));
  const parts = [
    `lw ${version} — the learnware market on the command line`,
    "",
    "Usage: lw <command> [<sub-command>] [options]; lw <command> --help for one command.",
    "",
  ];
  for (const g of Object.keys(GROUPS) as HelpEntry["group"][]) {
    parts.push(GROUPS[g]);
    for (const e of leaves.filter((x) => x.group === g)) for (const u of e.usage) parts.push(`  lw ${u.replace(SERVER, "").trimEnd()}`);
    parts.push("");
  }
  parts.push("Global: --help/-h on any command, --version/-V. LW_DEBUG=1 prints stack traces.", EXIT_CODES);
  return parts.join("\n");
}

/** The help for the longest command path that `words` start with, or null when none matches. */
export function commandHelp(words: string[]): string | null {
  let best: HelpEntry | undefined;
  for (const e of HELP) {
    const p = e.path.split(" ");
    if (p.every((w, i) => words[i] === w) && (!best || p.length > best.path.split(" ").length)) best = e;
  }
  if (!best) return null;
  const subs = HELP.filter((o) => o.path.startsWith(`${best.path} `));
  const lines = [...best.usage.map((u, i) => `${i === 0 ? "Usage: " : "       "}lw ${u}`), "", best.summary];
  if (subs.length > 0) {
    lines.push("", "Sub-commands:");
    for (const s of subs) lines.push(`  lw ${s.usage[0]}`, `      ${s.summary}`);
  }
  lines.push("", EXIT_CODES);
  return lines.join("\n");
}
