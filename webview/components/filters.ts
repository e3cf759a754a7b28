/**
 * The filters above the table: search, class (type to filter at any number of classes), show
 * (flagged, edited…), kind of finding, sort, and another column of the file with a filter on it
 * (its values when it has few, else a text search). Values are drawn from the state's query.
 */
import type { IssueKind, SortKey } from '../../src/protocol/webview';
import { select, setOptions, textField, valueOf, type Select, type TextField } from '../controls';
import { clear, el, replace } from '../dom';
import { showOf, withShow, type Component, type Ctx, type ShowChoice, type Topic } from '../state';

export class Filters implements Component {
  readonly element: HTMLElement;
  readonly search: TextField;
  private readonly classFilter: Select;
  private readonly showFilter: Select;
  private readonly issueFilter: Select;
  private readonly sort: Select;
  private readonly column: Select;
  private readonly columnValue: HTMLElement;
  private readonly mapChip: HTMLElement;
  /** The column whose filter control is shown. */
  private columnShown: number | undefined;

  constructor(private readonly ctx: Ctx) {
    const t = ctx.t;
    const q = () => ctx.state.query;
    const filter = (f: typeof ctx.state.query.filter) => ctx.dispatch({ type: 'filter', filter: f });
    this.search = textField({ type: 'search', class: 'search', placeholder: t('search'), 'aria-label': t('search'), 'data-testid': 'search' }, (v) => filter({ ...q().filter, search: v || undefined }));
    this.classFilter = select({ 'aria-label': t('class'), 'data-testid': 'filter-class', class: 'class-filter' }, [], '', (v) => filter({ ...q().filter, given: v || undefined, suggested: undefined }), true);
    this.showFilter = select({ 'aria-label': t('show'), 'data-testid': 'filter-show' }, [], 'all', (v) => filter(withShow(q().filter, (v || 'all') as ShowChoice)));
    this.issueFilter = select({ 'aria-label': t('allIssues'), 'data-testid': 'filter-issue' }, [], '', (v) => filter({ ...q().filter, issue: (v || undefined) as IssueKind | undefined }));
    this.sort = select({ 'aria-label': t('sort'), 'data-testid': 'sort' }, [], 'suspicion:desc', (v) => {
      const [sort, dir] = v.split(':');
      ctx.dispatch({ type: 'sort', sort: sort as SortKey, descending: dir === 'desc' });
    });
    this.column = select({ 'aria-label': t('otherColumn'), 'data-testid': 'column-show', title: t('otherColumn') }, [], '', (v) => ctx.dispatch({ type: 'showColumn', index: v === '' ? undefined : Number(v) }));
    this.columnValue = el('span', { class: 'column-value' });
    // The embedding map's selection (webview/map.ts) is a filter too: shown here while it is on, one click clears it.
    this.mapChip = el('button', { class: 'map-chip hidden', 'data-testid': 'map-selection', title: t('clearMapSelection'), onclick: () => filter({ ...q().filter, map: undefined }) }, `${t('mapSelection')} ×`);
    this.element = el('div', { class: 'filters' }, this.search, this.classFilter, this.showFilter, this.issueFilter, this.sort, this.column, this.columnValue, this.mapChip);
  }

  update(changed: ReadonlySet<Topic>): void {
    if (changed.has('init')) this.fill();
    if (changed.has('init') || changed.has('filters')) this.sync();
  }

  /** The choices, once per file read. */
  private fill(): void {
    const s = this.ctx.state, t = this.ctx.t;
    const d = s.init!;
    setOptions(this.classFilter, [['', t('allClasses')], ...d.classes.map((c): [string, string] => [c, c])], s.query.filter.given ?? '');
    setOptions(this.showFilter, [['all', t('all')], ['flagged', t('flagged')], ['edited', t('edited')], ['accepted', t('accepted')], ['unreviewed', t('unreviewed')]], showOf(s.query.filter));
    setOptions(this.issueFilter, [['', t('allIssues')], ['label', t('issueLabel')], ['conflict', t('issueConflict')], ['duplicate', t('issueDuplicate')], ['outlier', t('issueOutlier')]], s.query.filter.issue ?? '');
    setOptions(this.sort, [['suspicion:desc', t('bySuspicion')], ['row:asc', t('byRow')], ['selfConfidence:asc', t('bySelfConfidence')], ['margin:asc', t('byMargin')]], `${s.query.sort}:${s.query.descending ? 'desc' : 'asc'}`);
    const extra = d.extraColumns ?? [];
    this.column.classList.toggle('hidden', extra.length === 0);
    setOptions(this.column, [['', t('otherColumn')], ...extra.map((c): [string, string] => [String(c.index), c.name])], s.query.show !== undefined ? String(s.query.show) : '');
    this.columnShown = undefined;
  }

  /** Each control shows the query's value (after a reload, a click in the Classes view…). */
  private sync(): void {
    const q = this.ctx.state.query;
    const set = (e: { value: string }, v: string) => { if (valueOf(e as HTMLElement & { value: string }) !== v) e.value = v; };
    set(this.search, q.filter.search ?? '');
    set(this.classFilter, q.filter.given ?? '');
    set(this.showFilter, showOf(q.filter));
    set(this.issueFilter, q.filter.issue ?? '');
    set(this.sort, `${q.sort}:${q.descending ? 'desc' : 'asc'}`);
    set(this.column, q.show !== undefined ? String(q.show) : '');
    if (q.show !== this.columnShown) this.columnFilter(q.show);
    this.mapChip.classList.toggle('hidden', !q.filter.map);
  }

  /** The filter of the shown column: a select of its values when it has few, else a search. */
  private columnFilter(index: number | undefined): void {
    this.columnShown = index;
    const col = this.ctx.state.init?.extraColumns?.find((c) => c.index === index);
    const t = this.ctx.t;
    const filter = (column: { index: number; equals?: string; contains?: string } | undefined) => this.ctx.dispatch({ type: 'filter', filter: { ...this.ctx.state.query.filter, column } });
    if (!col) { clear(this.columnValue); return; }
    if (col.values) {
      const values = col.values;
      // Options carry the value's index: '' is "any", and an empty cell is a value of its own.
      replace(this.columnValue, select({ 'aria-label': col.name, 'data-testid': 'column-filter' },
        [['', `${col.name}: ${t('any')}`], ...values.map((v, i): [string, string] => [String(i), v === '' ? t('empty') : v])], '',
        (v) => filter(v === '' ? undefined : { index: col.index, equals: values[Number(v)] })));
    } else {
      replace(this.columnValue, textField({ type: 'search', placeholder: `${col.name} ${t('contains')}`, 'aria-label': `${col.name} ${t('contains')}`, 'data-testid': 'column-filter' },
        (v) => filter(v ? { index: col.index, contains: v } : undefined)));
    }
  }
}
