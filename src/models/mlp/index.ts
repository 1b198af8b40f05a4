export { trainDeepMlp, type DeepMlp, type DeepMlpOptions } from './deep-mlp.js';
