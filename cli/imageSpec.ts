/**
 * Image specs on the user's machine: a folder of pictures (PNG, JPEG, WebP, GIF, TIFF, AVIF;
 * decoded with sharp, as RGB in [0, 1], each resized to 32×32 by the core's resize) or a
 * `.npy` array of N×C×H×W images, then the image RKME (`RKMEImageSpecification`, the Python
 * package's CNN-GP kernel). The images never leave the machine; only the spec does.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { LearnwareError } from "../core/errors.ts";
import { type ImageBatch, pictureToImage, stackImages } from "../core/image/preprocess.ts";
import { RKMEImageSpecification } from "../core/image/rkmeImageSpec.ts";
import { CliError } from "./errors.ts";
import { parseNpyArray } from "./readData.ts";

const PICTURES = new Set([".png", ".jpg", ".jpeg", ".webp", ".gif", ".tif", ".tiff", ".avif"]);
/** At most this many images (a spec needs a sample, not a data set). */
export const MAX_IMAGES = 20_000;

/** One picture as a 1×3×32×32 batch (RGB in [0, 1]). */
async function readPicture(file: string): Promise<ImageBatch> {
  const { default: sharp } = await import("sharp");
  try {
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    return pictureToImage(data, info.width, info.height, info.channels);
  } catch (e) {
    throw new CliError(`Cannot decode image ${file}: ${(e as Error).message}`);
  }
}

/** The images at `path`: a folder of pictures (sorted by name) or an N×C×H×W `.npy`. */
export async function readImages(path: string): Promise<ImageBatch> {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new CliError(`Cannot read images ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!isDir) {
    if (extname(path).toLowerCase() !== ".npy") throw new CliError(`--images takes a folder of pictures or an N×C×H×W .npy file, got ${path}`);
    const { shape, data } = parseNpyArray(readFileSync(path), path);
    if (shape.length !== 4) throw new CliError(`${path} must be 4-D (N, C, H, W), got shape (${shape.join(", ")})`);
    const [n, c, h, w] = shape as [number, number, number, number];
    if (n < 1 || c < 1 || h < 1 || w < 1) throw new CliError(`${path} holds no images: shape (${shape.join(", ")})`);
    if (n > MAX_IMAGES) throw new CliError(`${path} has ${n} images; at most ${MAX_IMAGES} (a spec needs a sample)`);
    return { n, c, h, w, data };
  }
  const files = readdirSync(path)
    .filter((f) => PICTURES.has(extname(f).toLowerCase()))
    .sort();
  if (files.length === 0) throw new CliError(`${path} holds no pictures (${[...PICTURES].join(", ")})`);
  if (files.length > MAX_IMAGES) throw new CliError(`${path} holds ${files.length} pictures; at most ${MAX_IMAGES} (a spec needs a sample)`);
  const pictures: ImageBatch[] = [];
  for (const f of files) pictures.push(await readPicture(join(path, f)));
  return stackImages(pictures);
}

/** Reads the images of `path` and builds their image RKME. */
export async function imageSpecFromPath(path: string, options: { K?: number; seed?: number } = {}): Promise<RKMEImageSpecification> {
  const X = await readImages(path);
  try {
    return RKMEImageSpecification.generate(X, {
      ...(options.K !== undefined ? { K: options.K } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
  } catch (e) {
    if (e instanceof LearnwareError || e instanceof RangeError) throw new CliError(`Cannot build an image spec from ${path}: ${e.message}`);
    throw e;
  }
}
