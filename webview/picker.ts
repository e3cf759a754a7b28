/**
 * The class picker (`c`): a text field that filters the classes as the user types (CJK through an
 * IME included: it filters on `input`, which fires with the composed text), arrows to move, Enter to
 * pick, Escape to close. Classes picked recently come first.
 */
import { textField, valueOf } from './controls';
import { el, replace } from './dom';

export interface PickerOptions {
  classes: readonly string[];
  recent: readonly string[];
  title: string;
  placeholder: string;
  onPick: (name: string) => void;
  onClose: () => void;
}

/** Classes matching `filter` (case-insensitive substring), recent ones first, then in class order. */
export function pickerOrder(classes: readonly string[], recent: readonly string[], filter: string): string[] {
  const f = filter.trim().toLocaleLowerCase();
  const known = new Set(classes);
  const head = recent.filter((c) => known.has(c));
  const seen = new Set(head);
  const all = [...head, ...classes.filter((c) => !seen.has(c))];
  return f ? all.filter((c) => c.toLocaleLowerCase().includes(f)) : all;
}

export function renderPicker(o: PickerOptions): HTMLElement {
  // VS Code Elements' text field; its keys reach this listener from inside the field's shadow DOM.
  const input = textField({ type: 'text', class: 'picker-input', placeholder: o.placeholder, 'aria-label': o.placeholder, 'data-testid': 'picker-input', role: 'combobox', 'aria-expanded': 'true' }, () => { active = 0; draw(); });
  const list = el('div', { class: 'picker', role: 'listbox', 'data-testid': 'class-picker' });
  let shown: string[] = [];
  let active = 0;
  const draw = () => {
    shown = pickerOrder(o.classes, o.recent, valueOf(input));
    active = Math.max(0, Math.min(active, shown.length - 1));
    replace(list, ...shown.map((c, i) => el('div', {
      class: `picker-option${i === active ? ' active' : ''}`, role: 'option', 'aria-selected': String(i === active), title: c, 'data-testid': `pick-${i}`,
      onclick: () => o.onPick(c),
    }, c)));
    list.children[active]?.scrollIntoView?.({ block: 'nearest' });
  };
  input.addEventListener('keydown', (e) => {
    const k = (e as KeyboardEvent).key;
    if (k === 'ArrowDown' || k === 'ArrowUp') { active += k === 'ArrowDown' ? 1 : -1; draw(); } else if (k === 'Enter') { if ((e as KeyboardEvent).isComposing) return; if (shown[active] !== undefined) o.onPick(shown[active]); } else if (k === 'Escape') o.onClose();
    else return;
    e.preventDefault();
    e.stopPropagation();
  });
  draw();
  return el('div', { class: 'picker-box' }, el('h2', {}, o.title), input, list);
}
