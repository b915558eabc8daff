/**
 * What a Python learnware needs, for every Python backend: `requirements.txt` as it is, or
 * an `environment.yaml`'s dependencies as pip requirement lines (its conda packages
 * converted, its `pip:` section kept). And what pip's answer means: a requirement the
 * configured index or wheelhouse cannot satisfy is the learnware's fault (the check fails
 * with pip's reason, as the Python market's environment checker does); a network, disk or
 * timeout failure is the runner's (the check stays pending and is retried).
 */
import { parse } from "yaml";
import { LearnwareError } from "../../core/errors.ts";

/** Conda package names whose pip distribution is called differently. */
const CONDA_TO_PIP: Record<string, string> = {
  pytorch: "torch",
  "py-xgboost": "xgboost",
  "py-lightgbm": "lightgbm",
  "pytorch-cpu": "torch",
  tensorflow: "tensorflow",
  "python-dateutil": "python-dateutil",
};
/** Conda packages that are the interpreter or its tooling, not importable distributions. */
const NOT_DISTRIBUTIONS = new Set(["python", "pip", "setuptools", "wheel", "cudatoolkit", "cudnn", "mkl", "libgcc", "libstdcxx-ng", "openssl"]);

/** One conda match spec (`numpy=1.24`, `conda-forge::scipy>=1.10`, `pandas 2.0.*`) as a pip requirement, or null. */
export function condaSpecToPip(spec: string): string | null {
  let s = spec.trim();
  if (s === "") return null;
  s = s.replace(/^[^:\s]+::/, ""); // channel::name
  const m = /^([A-Za-z0-9_.-]+)\s*(.*)$/.exec(s);
  if (!m) return null;
  const name = m[1]!.toLowerCase();
  if (NOT_DISTRIBUTIONS.has(name)) return null;
  const pipName = CONDA_TO_PIP[name] ?? m[1]!;
  let version = m[2]!.trim();
  if (version === "") return pipName;
  // `=1.2=build` / `1.2 build`: the build string is conda's alone.
  version = version.replace(/^=?([^=\s<>!~]+)[=\s].*$/, "=$1");
  if (/^=[^=]/.test(version)) return `${pipName}==${version.slice(1)}`;
  if (/^[0-9]/.test(version)) return `${pipName}==${version}`;
  return `${pipName}${version}`;
}

/** An environment.yaml's dependencies as pip requirement lines (conda packages converted, then its `pip:` list). */
export function condaRequirements(text: string): string {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new LearnwareError("PACKAGE_INVALID", `environment.yaml is not valid YAML: ${(e as Error).message}`);
  }
  const deps = doc !== null && typeof doc === "object" ? (doc as { dependencies?: unknown }).dependencies : undefined;
  if (deps === undefined || deps === null) return "";
  if (!Array.isArray(deps)) throw new LearnwareError("PACKAGE_INVALID", "environment.yaml's dependencies must be a list");
  const out: string[] = [];
  for (const d of deps) {
    if (typeof d === "string") {
      const r = condaSpecToPip(d);
      if (r !== null) out.push(r);
    } else if (d !== null && typeof d === "object" && Array.isArray((d as { pip?: unknown }).pip)) {
      for (const p of (d as { pip: unknown[] }).pip) if (typeof p === "string" && p.trim() !== "") out.push(p.trim());
    }
  }
  return out.join("\n");
}

/** The requirement lines of a learnware's environment, whichever file declares it. */
export function environmentRequirements(env: { kind: "pip" | "conda"; text: string } | null | undefined): string {
  if (!env) return "";
  return env.kind === "pip" ? env.text : condaRequirements(env.text);
}

/** Signs in pip's output that the index or wheelhouse could not be reached (the runner's failure). */
const INFRASTRUCTURE =
  /NewConnectionError|ConnectionError|Max retries exceeded|Failed to establish a new connection|ProxyError|SSLError|Read timed out|ConnectTimeout|Temporary failure in name resolution|Name or service not known|No space left on device|is neither a file nor a directory|Network is unreachable|Connection refused/i;

/**
 * pip's failure as an error: `REQUIREMENT_UNSATISFIABLE` (the learnware's fault, naming the
 * requirement and pip's reason) when pip looked and found nothing that satisfies it, or
 * `ENV_FAILED` (the runner's: retried) for anything else.
 */
export function pipFailure(output: string): LearnwareError {
  const tail = output.trim().split("\n").slice(-15).join("\n");
  if (!INFRASTRUCTURE.test(output)) {
    const missing = /No matching distribution found for (.+)/.exec(output)?.[1]?.trim();
    const conflict = /ResolutionImpossible|conflicting dependencies|Cannot install .* because these package versions have conflicting dependencies/.test(
      output,
    );
    if (missing !== undefined || conflict) {
      const reason = /ERROR: (Could not find a version that satisfies the requirement [^\n]+)/.exec(output)?.[1] ?? tail.split("\n").pop()!;
      const what = missing !== undefined ? `requirement ${missing} cannot be satisfied` : "the requirements conflict";
      return new LearnwareError(
        "REQUIREMENT_UNSATISFIABLE",
        `The environment cannot be built: ${what} from the configured package source (pip: ${reason.trim()})`,
        {
          requirement: missing ?? null,
        },
      );
    }
  }
  return new LearnwareError("ENV_FAILED", `pip could not install the requirements (the runner's failure; the check stays pending):\n${tail}`);
}
