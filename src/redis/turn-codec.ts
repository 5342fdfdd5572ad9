import { ROLES, type Role, type Turn } from '../core/types.js';

/**
 * Turns as the scripts store them: one list element each, `<role digit><ts ms> <content>`. The
 * scripts write the header (the time is the server's); this side only reads it back.
 */

/** Decodes one stored element into a fresh {@link Turn}. */
export function decodeTurn(element: string): Turn {
  const space = element.indexOf(' ', 1);
  return {
    role: ROLES[element.charCodeAt(0) - 48] as Role,
    content: element.slice(space + 1),
    ts: Number(element.slice(1, space)) / 1000,
  };
}

/** Decodes a conversation's elements, oldest first. */
export function decodeTurns(elements: readonly string[]): Turn[] {
  const turns = new Array<Turn>(elements.length);
  for (let i = 0; i < elements.length; i++) turns[i] = decodeTurn(elements[i]!);
  return turns;
}
