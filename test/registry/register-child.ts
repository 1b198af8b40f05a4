/**
 * A child process of the registry tests: registers DIR COUNT times as NAME in the registry ROOT
 * (argv: root dir name count) and prints the versions it got, one per line.
 */
import { openRegistry, registerModelDir } from '../../src/registry/db/index.js';

const [root, dir, name, count] = process.argv.slice(2) as [string, string, string, string];
const reg = openRegistry({ registry: root });
try {
  for (let i = 0; i < Number(count); i++) {
    const m = await registerModelDir(reg, dir, { name });
    process.stdout.write(`${m.version}\n`);
  }
} finally {
  reg.close();
}
