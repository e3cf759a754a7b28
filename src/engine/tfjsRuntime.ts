/**
 * TensorFlow.js and its wasm backend, bundled on their own as dist/tfjs.js (esbuild.mjs): the
 * engine and its fold workers load them only when a model needs them (backend.ts). Inside every
 * bundle they cost 0.2–0.3 s of parse at each start, which text and tabular jobs never use.
 */
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';

export { tf, wasm };
