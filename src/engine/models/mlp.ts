/**
 * Multilayer perceptron for numeric features and embeddings, and for pixels unless the CNN is chosen
 * (see denseNetworkFor): input dropout → dense(ReLU) → dropout → dense → logits.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Random } from '../../core/random';
import { heNormal, type TfNetwork } from './tfClassifier';

export interface MlpConfig {
  dim: number;
  hidden: number;
  classes: number;
  dropout: number;
  inputDropout: number;
}

export function mlpNetwork(tf: typeof TF, cfg: MlpConfig, rng: Random): TfNetwork {
  const { dim, hidden, classes } = cfg;
  const vars = [heNormal(tf, rng, [dim, hidden], dim), tf.variable(tf.zeros([hidden])), heNormal(tf, rng, [hidden, classes], hidden), tf.variable(tf.zeros([classes]))];
  return {
    vars,
    featureDim: hidden,
    features: (x, [w1, b1]) => tf.relu(tf.add(tf.matMul(x, w1 as TF.Tensor2D), b1)) as TF.Tensor2D,
    logits(x, [w1, b1, w2, b2], drop) {
      const h = tf.relu(tf.add(tf.matMul(drop(x, cfg.inputDropout) as TF.Tensor2D, w1 as TF.Tensor2D), b1)) as TF.Tensor2D;
      return tf.add(tf.matMul(drop(h, cfg.dropout) as TF.Tensor2D, w2 as TF.Tensor2D), b2) as TF.Tensor2D;
    },
  };
}
