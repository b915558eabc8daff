/**
 * Image learnware fixtures shared by the server, CLI and page tests: striped pictures (horizontal
 * or vertical stripes with noise), their semantic spec and a package carrying an image RKME.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { RKMEImageSpecification } from "../core/image/rkmeImageSpec.ts";
import { writeLearnwarePackage } from "../core/package/writePackage.ts";
import { createRng } from "../core/random.ts";

/** n grey images of 1×16×16: horizontal or vertical stripes with noise. */
export function stripes(n: number, kind: "h" | "v", seed: number) {
  const rng = createRng(seed);
  const data = new Float64Array(n * 256);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) data[i * 256 + y * 16 + x] = Math.sin((kind === "h" ? y : x) * 1.3) + 0.2 * rng.normal();
  return { n, c: 1, h: 16, w: 16, data };
}

/** The same pictures with three equal channels (what a grey picture decodes to as RGB). */
export function rgbStripes(n: number, kind: "h" | "v", seed: number) {
  const g = stripes(n, kind, seed);
  const data = new Float64Array(n * 3 * 256);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data.set(g.data.subarray(i * 256, (i + 1) * 256), (i * 3 + c) * 256);
  return { n, c: 3, h: 16, w: 16, data };
}

/** Writes the stripes as grey 16×16 PNG files `img<i>.png` into `dir`. */
export async function writeStripePngs(dir: string, n: number, kind: "h" | "v", seed: number): Promise<string[]> {
  const g = stripes(n, kind, seed);
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const bytes = Buffer.from(Array.from(g.data.subarray(i * 256, (i + 1) * 256), (v) => Math.max(0, Math.min(255, Math.round((v + 1.5) * 80)))));
    const p = join(dir, `img${i}.png`);
    writeFileSync(
      p,
      await sharp(bytes, { raw: { width: 16, height: 16, channels: 1 } })
        .png()
        .toBuffer(),
    );
    paths.push(p);
  }
  return paths;
}

export function imageSemantic(name: string) {
  return {
    Data: { Values: ["Image"], Type: "Class" },
    Task: { Values: ["Classification"], Type: "Class" },
    Library: { Values: ["PyTorch"], Type: "Class" },
    Scenario: { Values: ["Education"], Type: "Tag" },
    License: { Values: ["MIT"], Type: "Class" },
    Description: { Values: `${name} images`, Type: "String" },
    Name: { Values: name, Type: "String" },
    Output: { Dimension: 2, Description: { "0": "no", "1": "yes" } },
  };
}

export function imagePackage(spec: RKMEImageSpecification): Uint8Array {
  return writeLearnwarePackage({
    yaml: {
      model: { class_name: "Model", kwargs: {} },
      stat_specifications: [{ module_path: "learnware.specification", class_name: RKMEImageSpecification.TYPE, file_name: "stat.json", kwargs: {} }],
    },
    files: { "__init__.py": "from learnware.model import BaseModel\nclass Model(BaseModel):\n    pass\n", "stat.json": spec.stringify() },
  });
}
