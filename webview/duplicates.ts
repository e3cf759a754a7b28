/**
 * The Duplicates view: duplicate groups of the analysis, label conflicts first, each with its
 * members' labels side by side. Keyboard: j/k move between groups, Enter sets every member to the
 * group's suggested label, c picks any class for the whole group, e excludes the whole group from
 * later analyses; each is one undo step. Text is shown with textContent only.
 */
import type { GroupView } from '../src/protocol/webview';
import { el, replace } from './dom';

type T = (key: string) => string;

export function renderGroup(g: GroupView, t: T, current: boolean, onClick: () => void): HTMLElement {
  return el('section', { class: `group${current ? ' cursor' : ''}${g.conflict ? ' conflict' : ''}`, 'data-testid': `group-${g.group}`, 'aria-current': String(current), onclick: onClick },
    el('div', { class: 'group-head' },
      g.conflict ? el('span', { class: 'badge conflict-badge' }, t('conflict')) : el('span', { class: 'badge' }, t('duplicate')),
      el('span', { class: 'group-reason', 'data-testid': `group-reason-${g.group}` }, g.reason),
      g.suggested !== undefined ? el('span', { class: 'muted' }, ` · ${t('suggested')}: `) : undefined,
      g.suggested !== undefined ? el('strong', { 'data-testid': `group-suggested-${g.group}` }, g.suggested) : undefined),
    el('table', { class: 'members' },
      ...g.members.map((m) => el('tr', { 'data-row': m.row },
        el('td', { class: 'm-label', 'data-testid': `member-label-${m.row}` }, m.label),
        el('td', { class: 'm-id muted' }, m.id),
        el('td', { class: 'm-text' }, m.text)))),
    g.size > g.members.length ? el('p', { class: 'muted' }, `… ${g.size - g.members.length} ${t('more')}`) : undefined);
}

export class DuplicatesView {
  groups: GroupView[] = [];
  total = 0;
  cursor = 0;

  constructor(private readonly pane: HTMLElement, private readonly t: T) {}

  set(groups: GroupView[], total: number): void {
    this.groups = groups;
    this.total = total;
    this.cursor = Math.min(this.cursor, Math.max(0, groups.length - 1));
    this.render();
  }

  get current(): GroupView | undefined {
    return this.groups[this.cursor];
  }

  move(delta: number): void {
    if (!this.groups.length) return;
    this.cursor = Math.max(0, Math.min(this.groups.length - 1, this.cursor + delta));
    this.render();
    this.pane.querySelector('.group.cursor')?.scrollIntoView?.({ block: 'nearest' });
  }

  render(): void {
    if (!this.groups.length) { replace(this.pane, el('p', { class: 'muted', 'data-testid': 'no-groups' }, this.t('noGroups'))); return; }
    const conflicts = this.groups.filter((g) => g.conflict).length;
    replace(this.pane,
      el('p', { class: 'muted', 'data-testid': 'groups-summary' }, this.t('groupsSummary').replace('{0}', String(this.total)).replace('{1}', String(conflicts))),
      el('p', { class: 'muted' }, this.t('groupsKeys')),
      ...this.groups.map((g, i) => renderGroup(g, this.t, i === this.cursor, () => { this.cursor = i; this.render(); })));
  }
}
