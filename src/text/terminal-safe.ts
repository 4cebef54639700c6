/**
 * Text from outside (a model's reply, a tool's result, an instance's name, a log field) on its way to a terminal.
 * A terminal obeys control characters: ESC starts a sequence that can recolour, move the cursor, retitle the window
 * or hide what follows, and C1 codes (U+0080–U+009F, e.g. U+009B, the one-byte CSI) do the same on some terminals.
 * So such text is either stripped of them or shown with them escaped, never written raw.
 */

/** C0 controls but newline and tab, DEL, and C1 controls. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/** Every C0 control (newline and tab too), DEL and C1. */
const ANY_CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const ANY_CONTROL_G = /[\x00-\x1f\x7f-\x9f]/g;

/** The text without control characters, keeping newlines and tabs (for text shown as it reads: replies, tables). */
export function stripControls(text: string): string {
  return text.replace(UNSAFE, '');
}

/** Whether the text holds any control character, newline and tab included. */
export function hasControls(text: string): boolean {
  return ANY_CONTROL.test(text);
}

/** The text with every control character written as a visible escape (\n, \t, \u001b, \u009b), nothing removed. */
export function escapeControls(text: string): string {
  return text.replace(ANY_CONTROL_G, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** The text as a JSON string whose every control character is escaped (JSON.stringify leaves DEL and C1 raw). */
export function quoteForTerminal(text: string): string {
  return JSON.stringify(text).replace(/[\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
