/**
 * verde's layer order, enforced by test/layering/layers.test.ts (and `npx depcruise src`).
 * Layers run from the bottom up; a folder of src/ may import only folders in LOWER layers (never a
 * peer in its own layer, never one above). src/version.ts sits with util at the bottom; src/index.ts
 * (the library's public barrel) sits above everything and nothing imports it. No import cycles,
 * inside a folder either; only src/engine/runtime/ imports onnxruntime-node. docs/layout.md says what
 * each folder is for.
 */
const LAYERS = [
  ['util'],
  ['tabular', 'metrics'],
  ['engine', 'meter', 'tokenizers', 'registry'],
  ['models'],
  ['compress', 'hub'],
  ['serve', 'bench-serve'],
  ['evaluate'],
  ['train'],
  ['data'],
  ['predict'],
  ['cases', 'score', 'govern', 'deploy'],
  ['store'],
  ['report'],
  ['cli'],
];

const rules = [];
LAYERS.forEach((layer, i) => {
  const notBelow = LAYERS.slice(i).flat();
  for (const folder of layer) {
    const forbidden = notBelow.filter((f) => f !== folder);
    if (forbidden.length === 0) continue;
    rules.push({
      name: `layer-${folder}`,
      comment: `src/${folder}/ (layer ${i}) may import only folders in lower layers, not ${forbidden.join(', ')}`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: `^src/(${forbidden.join('|')})/` },
    });
  }
});
const below = ['version\\.ts', ...LAYERS.flat().map((f) => `${f}/`)];
rules.push(
  {
    name: 'no-cycles',
    comment: 'no import loops, inside a folder either',
    severity: 'error',
    from: { path: '^src/' },
    to: { circular: true },
  },
  {
    name: 'one-onnx-runtime-boundary',
    comment: 'only src/engine/runtime/ talks to onnxruntime-node; everything else creates sessions through it (createSession)',
    severity: 'error',
    from: { path: '^src/', pathNot: '^src/engine/runtime/' },
    to: { path: 'node_modules/onnxruntime-node/' },
  },
  {
    name: 'resolvable',
    comment: 'every relative import resolves (an unresolved one would escape the layer rules)',
    severity: 'error',
    from: { path: '^src/' },
    to: { couldNotResolve: true, pathNot: '^(node:|[a-z@])' },
  },
  {
    name: 'nothing-imports-index',
    comment: "src/index.ts is the library's public barrel: nothing inside src/ imports it",
    severity: 'error',
    from: { path: '^src/' },
    to: { path: '^src/index\\.ts$' },
  },
  {
    name: 'every-folder-has-a-layer',
    comment: 'a file of src/ outside every layer: add its folder to LAYERS in .dependency-cruiser.cjs',
    severity: 'error',
    from: { path: '^src/', pathNot: `^src/(index\\.ts$|${below.join('|')})` },
    to: {},
  },
);

module.exports = {
  forbidden: rules,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    // type-only imports count: a type from a higher layer is an upward import too
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.d.ts', '.js'] },
  },
};
// the test reads the layers too (non-enumerable: the config's schema allows no extra keys)
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS, enumerable: false });
