/**
 * verde's energy label: a closed A-G scale (the EU energy label's seven classes and colours,
 * Regulation (EU) 2017/1369) of inference energy per 1,000 inferences, with FIXED band edges per
 * task class, so two organisations measuring the same figure get the same letter (unlike a scale
 * recalibrated on a leaderboard's observed range). Edges are decades of joules per 1,000
 * inferences, each task class starting where its smallest practical models sit. docs/report.md
 * lists them; the report's JSON repeats them.
 */

export type EnergyLetter = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G';
export const LETTERS: readonly EnergyLetter[] = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];

/** EU energy label colours, dark green (A) to red (G). */
export const LABEL_COLOURS: Record<EnergyLetter, string> = {
  A: '#00a651', B: '#50b848', C: '#bfd730', D: '#fff200', E: '#fdb913', F: '#f37021', G: '#ed1c24',
};

/**
 * Upper edges (exclusive) of A..F in J per 1,000 inferences; G is everything above F's edge.
 * text-classification: A < 1 J (a few-layer int8 transformer on a CPU core), each letter x10.
 * tabular-classification: A < 0.01 J (a small MLP or shallow tree ensemble), each letter x10.
 */
export const BAND_EDGES_J_PER_1000: Record<string, readonly number[]> = {
  'text-classification': [1, 10, 100, 1_000, 10_000, 100_000],
  'tabular-classification': [0.01, 0.1, 1, 10, 100, 1_000],
};
export const DEFAULT_TASK_CLASS = 'text-classification';

export interface EnergyLabel {
  letter: EnergyLetter;
  colour: string;
  jPer1000: number;
  taskClass: string;
  edges: readonly number[];
}

/** The label for an energy per inference (J) of a model of `task`; null when energy is unknown. */
export function energyLabel(jPerInference: number | null | undefined, task: string): EnergyLabel | null {
  if (typeof jPerInference !== 'number' || !Number.isFinite(jPerInference) || jPerInference < 0) return null;
  const taskClass = BAND_EDGES_J_PER_1000[task] ? task : DEFAULT_TASK_CLASS;
  const edges = BAND_EDGES_J_PER_1000[taskClass]!;
  const jPer1000 = jPerInference * 1000;
  const i = edges.findIndex((e) => jPer1000 < e);
  const letter = LETTERS[i < 0 ? 6 : i]!;
  return { letter, colour: LABEL_COLOURS[letter], jPer1000, taskClass, edges };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A compact J/1,000 figure: 3 significant digits. */
export function formatJ(j: number): string {
  return j >= 1000 || j < 0.01 ? j.toExponential(2) : j.toPrecision(3);
}

/**
 * The label as a standalone SVG badge: the seven coloured arrows of the scale with the model's
 * letter marked, and the absolute figure printed (as the EU label prints consumption).
 */
export function labelSvg(label: EnergyLabel, model: string, method: string): string {
  const w = 300;
  const rows = LETTERS.map((l, i) => {
    const y = 34 + i * 18;
    const len = 70 + i * 14;
    const mark = l === label.letter;
    return `<path d="M8 ${y} h${len} l8 8 l-8 8 h-${len} z" fill="${LABEL_COLOURS[l]}"/>` +
      `<text x="14" y="${y + 13}" font-size="12" font-weight="bold" fill="${i >= 3 && i <= 4 ? '#000' : '#fff'}">${l}</text>` +
      (mark ? `<path d="M${w - 62} ${y - 2} h54 v20 h-54 l-10 -10 z" fill="#000"/><text x="${w - 30}" y="${y + 13}" font-size="14" font-weight="bold" fill="#fff" text-anchor="middle">${l}</text>` : '');
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="200" viewBox="0 0 ${w} 200" font-family="sans-serif" role="img" aria-label="energy label ${label.letter}">` +
    `<rect x="0.5" y="0.5" width="${w - 1}" height="199" rx="6" fill="#fff" stroke="#333"/>` +
    `<text x="8" y="18" font-size="12" font-weight="bold">${esc(model)}</text>` +
    `<text x="8" y="29" font-size="9" fill="#444">${esc(label.taskClass)}: J per 1,000 inferences</text>` +
    rows +
    `<text x="8" y="192" font-size="10">${esc(formatJ(label.jPer1000))} J / 1,000 inferences (${esc(method)})</text></svg>\n`;
}
