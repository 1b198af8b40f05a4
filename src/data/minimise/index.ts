/** `verde data minimise`: a declared plan of data-minimisation steps, each measured and audited. */
export { runMinimise, formatMinimise, stepLine, type MinimiseOptions, type MinimiseResult, type StepReport } from './run.js';
export { DEFAULT_QUALITY_BUDGET, QUALITY_BUDGET_BOUNDS } from './quality-budget.js';
export { checkPlan, STEP_NAMES, type Plan, type PlanStep, type StepName, type StepSpecs } from './plan.js';
export { evaluateGbdt, GBDT_EVALUATOR, type Evaluator, type EvaluatorSpec, type BudgetMetric, type Quality } from './evaluate.js';
export { linearTextEvaluator, type LinearTextEvalOptions } from './evaluate-text.js';
