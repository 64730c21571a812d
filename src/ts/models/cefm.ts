// CEFM (Cross-modal Explainable Framework for Melanoma), with the sizes of the authors' released
// code: the ViT's pooled embedding after the final LayerNorm → image projection
// Linear(d→512)·BN·ReLU·Linear(512→128)·L2; the ABC features → clinical projection
// Linear(k→256)·BN·ReLU·Linear(256→128)·L2; NT-Xent (τ = 0.05) aligns the two; classifiers
// Linear(128→64)·BN·ReLU·Dropout(0.3)·Linear(64→2) read each aligned embedding.
import * as F from '../autograd/functional.js';
import type { Tensor } from '../autograd/tensor.js';
import { CefmError } from '../errors.js';
import { BatchNorm, Dropout, Linear } from '../nn/layers.js';
import { Module, type ModuleContext } from '../nn/module.js';
import { checkVitConfig, type VitConfig, VisionTransformer } from './vit.js';

export interface CefmConfig {
  arch: 'cefm';
  /** The image backbone; its num_classes is the diagnosis head used in stage 1 (0: none). */
  backbone: VitConfig;
  /** ABC feature names fed to the clinical head, in order (as `cefm-native abc` names them). */
  clinical_features: string[];
  image_hidden: number;
  clinical_hidden: number;
  projection_dim: number;
  classifier_hidden: number;
  dropout: number;
  tau: number;
}

/** CEFM's five ABC inputs. */
export const CEFM_FEATURES = ['A', 'B2', 'sigma_h', 'sigma_s', 'sigma_v'];

export function cefmConfig(backbone: VitConfig, o: Partial<CefmConfig> = {}): CefmConfig {
  return checkCefmConfig({
    arch: 'cefm', backbone, clinical_features: CEFM_FEATURES,
    image_hidden: 512, clinical_hidden: 256, projection_dim: 128, classifier_hidden: 64, dropout: 0.3, tau: 0.05, ...o,
  });
}

export function checkCefmConfig(c: CefmConfig): CefmConfig {
  checkVitConfig(c.backbone);
  if (!Array.isArray(c.clinical_features) || !c.clinical_features.length) throw new CefmError('CEFM config: clinical_features must list at least one feature');
  for (const k of ['image_hidden', 'clinical_hidden', 'projection_dim', 'classifier_hidden'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new CefmError(`CEFM config: ${k} must be a positive integer`);
  }
  if (!(c.tau > 0)) throw new CefmError('CEFM config: tau must be > 0');
  return c;
}

/** Linear → BatchNorm1d → ReLU → Linear → L2-normalise. */
export class ProjectionHead extends Module {
  readonly fc1: Linear;
  readonly bn: BatchNorm;
  readonly fc2: Linear;
  constructor(ctx: ModuleContext, inF: number, hidden: number, out: number) {
    super(ctx);
    this.fc1 = this.module('fc1', new Linear(ctx, inF, hidden));
    this.bn = this.module('bn', new BatchNorm(ctx, hidden));
    this.fc2 = this.module('fc2', new Linear(ctx, hidden, out));
  }
  forward(x: Tensor): Tensor {
    return F.l2Normalize(this.fc2.forward(F.relu(this.bn.forward(this.fc1.forward(x)))));
  }
}

/** Linear → BatchNorm1d → ReLU → Dropout → Linear(→2). */
export class Classifier extends Module {
  readonly fc1: Linear;
  readonly bn: BatchNorm;
  readonly drop: Dropout;
  readonly fc2: Linear;
  constructor(ctx: ModuleContext, inF: number, hidden: number, classes: number, p: number) {
    super(ctx);
    this.fc1 = this.module('fc1', new Linear(ctx, inF, hidden));
    this.bn = this.module('bn', new BatchNorm(ctx, hidden));
    this.drop = this.module('drop', new Dropout(ctx, p));
    this.fc2 = this.module('fc2', new Linear(ctx, hidden, classes));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.drop.forward(F.relu(this.bn.forward(this.fc1.forward(x)))));
  }
}

export interface CefmOutputs {
  /** Backbone pooled embedding [B, d]. */
  features: Tensor;
  /** Aligned, L2-normalised embeddings [B, 128]. */
  imageEmbedding: Tensor;
  clinicalEmbedding: Tensor;
  /** [B, 2] logits (nevus/benign, melanoma) of the image and the clinical classifier. */
  logits: Tensor;
  clinicalLogits: Tensor;
}

export class Cefm extends Module {
  readonly backbone: VisionTransformer;
  readonly image_projection: ProjectionHead;
  readonly clinical_projection: ProjectionHead;
  readonly classifier: Classifier;
  readonly clinical_classifier: Classifier;

  constructor(ctx: ModuleContext, readonly config: CefmConfig) {
    super(ctx);
    const c = checkCefmConfig(config);
    this.backbone = this.module('backbone', new VisionTransformer(ctx, c.backbone));
    const d = c.backbone.width;
    this.image_projection = this.module('image_projection', new ProjectionHead(ctx, d, c.image_hidden, c.projection_dim));
    this.clinical_projection = this.module('clinical_projection', new ProjectionHead(ctx, c.clinical_features.length, c.clinical_hidden, c.projection_dim));
    this.classifier = this.module('classifier', new Classifier(ctx, c.projection_dim, c.classifier_hidden, 2, c.dropout));
    this.clinical_classifier = this.module('clinical_classifier', new Classifier(ctx, c.projection_dim, c.classifier_hidden, 2, c.dropout));
  }

  /** images [B, 3, S, S]; clinical [B, k] standardised ABC features. */
  forward(images: Tensor, clinical: Tensor): CefmOutputs {
    return this.fromFeatures(this.backbone.features(images), clinical);
  }

  /** The heads on precomputed backbone features (stage 2 and 3 train on a frozen backbone). */
  fromFeatures(features: Tensor, clinical: Tensor): CefmOutputs {
    const k = this.config.clinical_features.length;
    if (clinical.rank !== 2 || clinical.shape[1] !== k) throw new CefmError(`CEFM: clinical input must be [B, ${k}], got [${clinical.shape}]`);
    const imageEmbedding = this.image_projection.forward(features);
    const clinicalEmbedding = this.clinical_projection.forward(clinical);
    return {
      features, imageEmbedding, clinicalEmbedding,
      logits: this.classifier.forward(imageEmbedding),
      clinicalLogits: this.clinical_classifier.forward(clinicalEmbedding),
    };
  }

  contrastiveLoss(o: CefmOutputs): Tensor {
    return F.ntXent(o.imageEmbedding, o.clinicalEmbedding, this.config.tau);
  }
}
