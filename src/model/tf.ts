/**
 * The one door to TensorFlow.js for model code: tfjs-core plus every op's gradient. Importing
 * tfjs-core alone leaves gradients unregistered and `minimize` fails at the first backward pass.
 * `reductionGradients` then replaces two of them (the same values, without a big tensor of ones).
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients'
import './reductionGradients'

export * from '@tensorflow/tfjs-core'
