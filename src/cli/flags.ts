/**
 * The one way verde's commands validate flag values. The validators live in src/util/flags.ts so
 * that the library's cases and data stages check their options with the same words (they sit below
 * cli/ and may not import it); commands import them from here. (serve-flags.ts holds the parsers
 * only `verde serve` and its harness take.)
 */
export { checkNumber, checkWhole, choiceFlag, choiceListFlag, countFlag, intFlag, numberFlag, probabilityFlag, type NumberBounds } from '../util/flags.js';
