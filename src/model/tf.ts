/**
 * The one door to TensorFlow.js for model code: tfjs-core plus every op's gradient. Importing
 * tfjs-core alone leaves gradients unregistered and `minimize` fails at the first backward pass.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients'

export * from '@tensorflow/tfjs-core'
