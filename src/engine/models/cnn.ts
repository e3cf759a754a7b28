/**
 * A small convolutional network for pixel images: conv 3×3×16 (ReLU) → max-pool 2 → conv 3×3×32
 * (ReLU) → max-pool 2 → dropout → dense 128 (ReLU) → dropout → logits. The default for pixels when
 * the native tfjs-node backend loads; on wasm it trains too (see conv3x3), but at a tenth of the
 * MLP's speed, so there it is an option, not the default.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Random } from '../../core/random';
import { heNormal, type TfNetwork } from './tfClassifier';

export interface CnnConfig {
  width: number;
  height: number;
  classes: number;
  dropout: number;
}

export const CNN_LAYERS = { filters1: 16, filters2: 32, hidden: 128 };

/**
 * 3×3 'same' convolution, stride 1, for backends without a conv2d filter-gradient kernel (wasm has
 * none; cpu's is far too slow): the forward pass and the input gradient are the backend's own
 * kernels, and the filter gradient is itself a 'valid' convolution, of the padded input with its
 * batch and channel axes swapped by the output gradient as filter:
 * dW[a,b,c,f] = Σ_{n,i,j} xpad[n,i+a,j+b,c]·dy[n,i,j,f].
 */
export function conv3x3(tf: typeof TF): (x: TF.Tensor4D, w: TF.Tensor4D) => TF.Tensor4D {
  if (tf.getBackend() === 'tensorflow') return (x, w) => tf.conv2d(x, w, 1, 'same');
  const conv = tf.customGrad((...args: (TF.Tensor | TF.GradSaveFunc)[]) => {
    const [x, w, save] = args as [TF.Tensor4D, TF.Tensor4D, TF.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, 'same'),
      gradFunc: (dy: TF.Tensor4D, [xs, ws]: TF.Tensor[]) => {
        const xp = tf.transpose(tf.pad(xs as TF.Tensor4D, [[0, 0], [1, 1], [1, 1], [0, 0]]), [3, 1, 2, 0]) as TF.Tensor4D;
        const dw = tf.transpose(tf.conv2d(xp, tf.transpose(dy, [1, 2, 0, 3]) as TF.Tensor4D, 1, 'valid'), [1, 2, 0, 3]);
        const dx = tf.conv2dTranspose(dy, ws as TF.Tensor4D, xs.shape as [number, number, number, number], 1, 'same');
        return [dx, dw];
      },
    };
  });
  return (x, w) => conv(x, w) as TF.Tensor4D;
}

export function cnnNetwork(tf: typeof TF, cfg: CnnConfig, rng: Random): TfNetwork {
  const conv = conv3x3(tf);
  const { width, height, classes } = cfg;
  const { filters1, filters2, hidden } = CNN_LAYERS;
  // 'same' convolutions and 'same' pooling: each pool halves a side, rounding up.
  const flat = Math.ceil(Math.ceil(width / 2) / 2) * Math.ceil(Math.ceil(height / 2) / 2) * filters2;
  const vars = [
    heNormal(tf, rng, [3, 3, 1, filters1], 9), tf.variable(tf.zeros([filters1])),
    heNormal(tf, rng, [3, 3, filters1, filters2], 9 * filters1), tf.variable(tf.zeros([filters2])),
    heNormal(tf, rng, [flat, hidden], flat), tf.variable(tf.zeros([hidden])),
    heNormal(tf, rng, [hidden, classes], hidden), tf.variable(tf.zeros([classes])),
  ];
  const convolved = (x: TF.Tensor2D, c1: TF.Variable, cb1: TF.Variable, c2: TF.Variable, cb2: TF.Variable): TF.Tensor2D => {
    const img = tf.reshape(x, [-1, height, width, 1]) as TF.Tensor4D;
    const a1 = tf.maxPool(tf.relu(tf.add(conv(img, c1 as TF.Tensor4D), cb1)) as TF.Tensor4D, 2, 2, 'same');
    const a2 = tf.maxPool(tf.relu(tf.add(conv(a1, c2 as TF.Tensor4D), cb2)) as TF.Tensor4D, 2, 2, 'same');
    return tf.reshape(a2, [-1, flat]) as TF.Tensor2D;
  };
  return {
    vars,
    featureDim: hidden,
    features: (x, [c1, cb1, c2, cb2, w1, b1]) => tf.relu(tf.add(tf.matMul(convolved(x, c1, cb1, c2, cb2), w1 as TF.Tensor2D), b1)) as TF.Tensor2D,
    logits(x, [c1, cb1, c2, cb2, w1, b1, w2, b2], drop) {
      const f = convolved(x, c1, cb1, c2, cb2);
      const h = tf.relu(tf.add(tf.matMul(drop(f, cfg.dropout) as TF.Tensor2D, w1 as TF.Tensor2D), b1)) as TF.Tensor2D;
      return tf.add(tf.matMul(drop(h, cfg.dropout) as TF.Tensor2D, w2 as TF.Tensor2D), b2) as TF.Tensor2D;
    },
  };
}
