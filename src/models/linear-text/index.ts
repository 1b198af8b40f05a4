/** The linear text classifier on hashed word and character n-grams with TF-IDF weighting (§2.1). */
export { linearTextForward, linearTextToOnnx, linearTextLogits, linearTextTrainingGraph, type LinearTextModel } from './model.js';
export { fitLinearText, LINEAR_TEXT_FIT_DEFAULTS, type LinearTextFit, type LinearTextFitOptions } from './fit.js';
export { trainLinearTextOnTexts, linearTextSpec, LINEAR_MAX_FEATURES, type LinearTextTrained, type TextSplit } from './texts.js';
