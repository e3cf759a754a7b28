/** The keyboard map of the review table: every action reachable without a mouse. */
export type KeyAction =
  | { kind: 'move'; delta: number }
  | { kind: 'page'; delta: number }
  | { kind: 'applySuggestion' }
  | { kind: 'relabelTop'; rank: number }
  | { kind: 'pickClass' }
  | { kind: 'smooth' }
  | { kind: 'mix' }
  | { kind: 'accept' }
  | { kind: 'exclude' }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'help' }
  | { kind: 'search' }
  | { kind: 'toggleSelect' }
  | { kind: 'refresh' }
  | { kind: 'grid' }
  | { kind: 'note' }
  | { kind: 'escape' };

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
}

/** The help overlay's lines, in order; the same table drives `keyAction`. */
export const KEY_HELP: [string, string][] = [
  ['j / ↓', 'next row'],
  ['k / ↑', 'previous row'],
  ['PageDown / PageUp', 'next / previous page'],
  ['Enter', 'relabel to the suggestion'],
  ['1–9', 'relabel to the k-th most likely class'],
  ['c', 'pick any class (type to filter, arrows, Enter)'],
  ['s', 'smooth the label: (1−ε)·given + ε/K'],
  ['m', 'mix the given label with the soft label: (1−ε)·given + ε·soft'],
  ['a', 'accept the label as correct'],
  ['e', 'exclude the row from later analyses and retrains (again: include it)'],
  ['n', 'write a note on the row (saved in the sidecar; Ctrl+Enter or Esc to go back)'],
  ['x / Space', 'select or unselect the row (actions apply to the selection)'],
  ['u', 'undo'],
  ['Shift+U', 'redo'],
  ['g', 'image datasets: grid of thumbnails or table'],
  ['r', 'refresh: rank and filter again (edits keep their place until then)'],
  ['/', 'search'],
  ['?', 'this help'],
  ['Esc', 'close help, clear selection'],
];

/** Maps a key press to an action; undefined for keys the table does not handle (typing in fields). */
export function keyAction(e: KeyInput): KeyAction | undefined {
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  switch (e.key) {
    case 'j': case 'ArrowDown': return { kind: 'move', delta: 1 };
    case 'k': case 'ArrowUp': return { kind: 'move', delta: -1 };
    case 'PageDown': return { kind: 'page', delta: 1 };
    case 'PageUp': return { kind: 'page', delta: -1 };
    case 'Enter': return { kind: 'applySuggestion' };
    case 'c': return { kind: 'pickClass' };
    case 's': return { kind: 'smooth' };
    case 'm': return { kind: 'mix' };
    case 'a': return { kind: 'accept' };
    case 'e': return { kind: 'exclude' };
    case 'u': return { kind: 'undo' };
    case 'U': return { kind: 'redo' };
    case 'x': case ' ': return { kind: 'toggleSelect' };
    case 'r': return { kind: 'refresh' };
    case 'g': return { kind: 'grid' };
    case 'n': return { kind: 'note' };
    case '/': return { kind: 'search' };
    case '?': return { kind: 'help' };
    case 'Escape': return { kind: 'escape' };
    default:
      if (/^[1-9]$/.test(e.key)) return { kind: 'relabelTop', rank: Number(e.key) - 1 };
      return undefined;
  }
}
