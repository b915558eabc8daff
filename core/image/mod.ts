/**
 * Image specifications: preprocessing (resize 32×32, standardise, whiten), a seeded
 * random-conv-feature kernel, the Python package's CNN-GP (NNGP) kernel and the image RKME.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { imageDistToScore } from "./mod.ts";
 * assert.equal(imageDistToScore(0), 0);
 * ```
 * @module
 */
export { checkImages, fillImages, IMAGE_WIDTH, type ImageBatch, preprocessImages, resizeImages, standardizeChannels, zcaChannels } from "./preprocess.ts";
export { type ConvKernelConfig, RandomConvFeatures } from "./randomConvKernel.ts";
export {
  IMAGE_KERNEL_TYPES,
  imageDistToScore,
  type ImageGenerateOptions,
  type ImageKernelOptions,
  type ImageKernelType,
  RKMEImageSpecification,
  type ImageSpecJson,
} from "./rkmeImageSpec.ts";
export { type CnnGpConfig, cnnGpConfig, cnnGpKernel } from "./cnnGpKernel.ts";
