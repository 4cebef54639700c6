/** The text of a recorded Messages API message, whether its content is a string or text blocks (as with cache breakpoints). */
export function messageText(message: { readonly content: unknown }): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b: unknown) => (typeof b === 'object' && b !== null && 'text' in b && typeof (b as { text: unknown }).text === 'string' ? (b as { text: string }).text : '')).join('');
}
