/**
 * The page's handle on the worker. `cancel()` terminates the worker (a running generation
 * is one synchronous computation) and the next call starts a fresh one, reloading the file
 * the user chose, so a cancel never leaves the page in a half state.
 */
import * as Comlink from "comlink";
import type { GenerateRequest, GenerateResult, ImageSpecResult, PackageReport, TextSpecResult, WorkerApi } from "./worker.ts";
import type { TableProfile } from "./csv.ts";
import type { Prediction } from "./onnxPredict.ts";

export class Cancelled extends Error {
  override name = "Cancelled";
  constructor() {
    super("Cancelled");
  }
}

export class WorkerClient {
  private worker: Worker | null = null;
  private remote: Comlink.Remote<WorkerApi> | null = null;
  private file: File | null = null;
  private profile: TableProfile | null = null;
  private loaded = false;
  private rejectRunning: ((e: Error) => void) | null = null;

  private ensure(): Comlink.Remote<WorkerApi> {
    if (!this.remote) {
      this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "rkme" });
      this.remote = Comlink.wrap<WorkerApi>(this.worker);
      this.loaded = false;
    }
    return this.remote;
  }

  backend(): Promise<string> {
    return this.ensure().backend();
  }

  async load(file: File): Promise<TableProfile> {
    this.file = file;
    this.profile = null;
    const profile = await this.ensure().load(file);
    this.loaded = true;
    this.profile = profile;
    return profile;
  }

  /** The CSV the worker holds (chosen on Find or on a learnware page), with its profile. */
  get current(): { file: File; profile: TableProfile } | null {
    return this.file && this.profile ? { file: this.file, profile: this.profile } : null;
  }

  /** The worker, with the chosen file loaded again if a cancel replaced it. */
  private async withTable(): Promise<Comlink.Remote<WorkerApi>> {
    const remote = this.ensure();
    if (!this.loaded && this.file) {
      await remote.load(this.file);
      this.loaded = true;
    }
    return remote;
  }

  async generate(req: GenerateRequest, onProgress: (fraction: number, stage: string) => void): Promise<GenerateResult> {
    const remote = await this.withTable();
    return new Promise<GenerateResult>((resolve, reject) => {
      this.rejectRunning = reject;
      remote
        .generate(req, Comlink.proxy(onProgress))
        .then(resolve, reject)
        .finally(() => (this.rejectRunning = null));
    });
  }

  inspectPackage(file: Blob, semantic?: unknown): Promise<PackageReport> {
    return this.ensure().inspectPackage(file, semantic);
  }

  /** The image RKME of the user's pictures, built in the worker. */
  imageSpec(files: Blob[], K: number, seed: number): Promise<ImageSpecResult> {
    return this.ensure().imageSpec(files, K, seed);
  }

  /** The text RKME of the user's texts, embedded in the worker with the market's text model. */
  textSpec(texts: string[], K: number, seed?: number): Promise<TextSpecResult> {
    return this.ensure().textSpec(texts, K, seed);
  }

  /** Runs an ONNX learnware's package on the loaded CSV's columns, in the worker. */
  async predictOnnx(pkg: Uint8Array, columns?: number[]): Promise<Prediction> {
    return (await this.withTable()).predictOnnx(pkg, columns);
  }

  /** Stops whatever the worker is doing; pending calls reject with `Cancelled`. */
  cancel(): void {
    this.worker?.terminate();
    this.worker = null;
    this.remote = null;
    this.loaded = false;
    this.rejectRunning?.(new Cancelled());
    this.rejectRunning = null;
  }
}

export const workerClient = new WorkerClient();
