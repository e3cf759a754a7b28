/**
 * The Duplicates view: duplicate groups of the analysis, label conflicts first, each with its
 * members' labels side by side. Keyboard: j/k move between groups, Enter sets every member to the
 * group's suggested label, c picks any class for the whole group, e excludes the whole group from
 * later analyses; each is one undo step. Text is shown with textContent only.
 */
import { RequestGroups, type GroupView } from '../src/protocol/webview';
import { el, replace } from './dom';
import type { KeyAction } from './keys';
import type { Component, Ctx, Topic } from './state';

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

export class DuplicatesView implements Component {
  readonly element: HTMLElement;

  constructor(private readonly ctx: Ctx) {
    this.element = el('div', { class: 'pane duplicates', 'data-testid': 'duplicates-view' });
  }

  /** The first 200 groups (conflicts first). */
  onShow(): void {
    this.ctx.ipc.request(RequestGroups, { offset: 0, limit: 200 }, (r) => this.ctx.dispatch({ type: 'groups', groups: r.groups, total: r.total }));
  }

  update(changed: ReadonlySet<Topic>): void {
    if (changed.has('edited') && this.ctx.state.tab === 'duplicates') this.onShow();
    if (!changed.has('groups')) return;
    const { groups, total, cursor } = this.ctx.state.groups;
    const t = this.ctx.t;
    if (!groups.length) { replace(this.element, el('p', { class: 'muted', 'data-testid': 'no-groups' }, t('noGroups'))); return; }
    const conflicts = groups.filter((g) => g.conflict).length;
    replace(this.element,
      el('p', { class: 'muted', 'data-testid': 'groups-summary' }, t('groupsSummary').replace('{0}', String(total)).replace('{1}', String(conflicts))),
      el('p', { class: 'muted' }, t('groupsKeys')),
      ...groups.map((g, i) => renderGroup(g, t, i === cursor, () => this.ctx.dispatch({ type: 'groupCursor', index: i }))));
    this.element.querySelector('.group.cursor')?.scrollIntoView?.({ block: 'nearest' });
  }

  /** Keys of this view, as actions on the group under the cursor; true when handled here. */
  onKey(a: KeyAction): boolean {
    const { groups, cursor } = this.ctx.state.groups;
    const g = groups[cursor];
    const d = this.ctx.dispatch;
    switch (a.kind) {
      case 'move': case 'page': d({ type: 'groupCursor', index: cursor + a.delta }); return true;
      case 'applySuggestion': if (g?.suggested !== undefined) d({ type: 'relabelGroup', group: g.group, to: g.suggested }); return true;
      case 'pickClass': if (g) d({ type: 'pick', target: { group: g.group } }); return true;
      case 'exclude': if (g) d({ type: 'excludeGroup', rows: g.members.map((m) => m.row) }); return true;
      case 'relabelTop': case 'smooth': case 'mix': case 'accept': case 'toggleSelect': return true;
      default: return false;
    }
  }
}
