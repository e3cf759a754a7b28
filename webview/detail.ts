/** The detail pane: the row's content and soft vs hard label, drawn with text nodes, canvas and SVG. */
import type { RowDetail } from '../src/protocol/webview';
import { el, svg } from './dom';
import { count, percentNear1 } from './format';

type T = (key: string) => string;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function bars(classes: string[], d: RowDetail, t: T): HTMLElement {
  const given = classes.indexOf(d.label);
  const order = d.soft ? d.topClasses.slice(0, 8).map((c) => classes.indexOf(c)).filter((k) => k >= 0) : classes.map((_, k) => k).slice(0, 8);
  if (given >= 0 && !order.includes(given)) order.push(given);
  const rows = order.map((k) => {
    const soft = d.soft?.[k] ?? 0;
    const hard = k === given ? 1 : 0;
    const target = d.target?.[k];
    return el('div', { class: 'bar-row', role: 'listitem', 'data-testid': `bar-${k}`, 'aria-label': `${classes[k]}: ${t('soft')} ${pct(soft)}, ${t('given')} ${pct(hard)}${target !== undefined ? `, ${t('target')} ${pct(target)}` : ''}` },
      el('span', { class: 'bar-label', title: classes[k] }, classes[k]),
      el('span', { class: 'bar-track' },
        el('span', { class: 'bar hard', style: `width:${hard * 100}%` }),
        el('span', { class: 'bar soft', style: `width:${soft * 100}%` }),
        target !== undefined ? el('span', { class: 'bar target', style: `width:${target * 100}%` }) : undefined),
      el('span', { class: 'bar-value' }, d.soft ? pct(soft) : ''));
  });
  return el('div', { class: 'bars', role: 'list', 'aria-label': t('softVsHard') }, ...rows);
}

function image(p: NonNullable<RowDetail['pixels']>): HTMLCanvasElement {
  const c = el('canvas', { width: p.width, height: p.height, class: 'pixels', 'data-testid': 'detail-image' });
  const ctx = c.getContext('2d');
  if (ctx) {
    const img = ctx.createImageData(p.width, p.height);
    p.values.forEach((v, i) => { img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v; img.data[4 * i + 3] = 255; });
    ctx.putImageData(img, 0, 0);
  }
  return c;
}

/** p(given) after each epoch, with axes: epochs on x (1…E), probability on y (0, 0.5, 1). */
export function epochChart(values: number[], given: string, suggested: string | undefined, t: T): SVGElement {
  const w = 300, h = 130, left = 34, right = 8, top = 8, bottom = 28;
  const pw = w - left - right, ph = h - top - bottom;
  const n = values.length;
  const x = (i: number) => left + (n > 1 ? (i / (n - 1)) * pw : pw / 2);
  const y = (v: number) => top + (1 - Math.max(0, Math.min(1, v))) * ph;
  const ticksX = n <= 1 ? [0] : [...new Set([0, Math.round((n - 1) / 2), n - 1])];
  const title = `${t('history')} · ${t('given')}: ${given}${suggested && suggested !== given ? ` · ${t('suggested')}: ${suggested}` : ''}`;
  return svg('svg', { width: w, height: h, viewBox: `0 0 ${w} ${h}`, class: 'epoch-chart', role: 'img', 'data-testid': 'epoch-chart', 'aria-label': `${title}: ${values.map((v) => v.toFixed(2)).join(', ')}` },
    svg('title', {}, title),
    // y axis: 0, 0.5 (dashed: where the given label stops being the model's best guess in two classes), 1
    ...[0, 0.5, 1].flatMap((v) => [
      svg('line', { x1: left, x2: w - right, y1: y(v), y2: y(v), class: v === 0.5 ? 'grid half' : 'grid' }),
      svg('text', { x: left - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, v.toFixed(1)),
    ]),
    svg('line', { x1: left, x2: left, y1: top, y2: top + ph, class: 'axis' }),
    svg('line', { x1: left, x2: w - right, y1: top + ph, y2: top + ph, class: 'axis' }),
    ...ticksX.map((i) => svg('text', { x: x(i), y: top + ph + 14, 'text-anchor': 'middle', class: 'tick' }, String(i + 1))),
    svg('text', { x: left + pw / 2, y: h - 2, 'text-anchor': 'middle', class: 'axis-label' }, t('epoch')),
    svg('text', { x: 10, y: top + ph / 2, 'text-anchor': 'middle', class: 'axis-label', transform: `rotate(-90 10 ${top + ph / 2})` }, 'p'),
    svg('polyline', { points: values.map((v, i) => `${x(i)},${y(v)}`).join(' '), fill: 'none', class: 'line', 'stroke-width': 2 }),
    ...values.map((v, i) => svg('circle', { cx: x(i), cy: y(v), r: 2.5, class: 'dot' }, svg('title', {}, `${t('epoch')} ${i + 1}: p(${given}) = ${v.toFixed(3)}`))));
}

/** `note`: the note field, drawn under the row's facts. */
export function renderDetail(d: RowDetail, classes: string[], t: T, note?: HTMLElement): HTMLElement {
  const content: (HTMLElement | SVGElement)[] = [];
  if (d.fullText !== undefined) content.push(el('div', { class: 'detail-text', 'data-testid': 'detail-text' }, d.fullText));
  if (d.pixels) content.push(image(d.pixels));
  if (d.features) content.push(el('table', { class: 'features' }, ...d.features.map((f) => el('tr', {}, el('th', {}, f.name), el('td', {}, f.value)))));
  const facts = el('div', { class: 'facts' },
    el('div', {}, el('span', { class: 'muted' }, `${t('id')} `), el('span', { 'data-testid': 'detail-id' }, d.id), el('span', { class: 'muted' }, ` · ${t('line')} ${d.line}`)),
    el('div', { 'data-testid': 'detail-given' }, el('span', { class: 'muted' }, `${t('given')}: `), d.label, d.label !== d.given ? el('span', { class: 'muted' }, ` (${t('wasLabel')} ${d.given})`) : undefined),
    d.suggested !== undefined ? el('div', {}, el('span', { class: 'muted' }, `${t('suggested')}: `), el('span', { 'data-testid': 'detail-suggested' }, d.suggested)) : undefined,
    d.pWrong !== undefined ? el('div', { 'data-testid': 'detail-pwrong' }, el('span', { class: 'muted' }, `${t('pWrongLong')}: `), el('strong', {}, percentNear1(d.pWrong))) : undefined,
    d.rank ? el('div', { 'data-testid': 'detail-rank' }, el('span', { class: 'badge flagged-badge' }, t('flagged')), ` #${count(d.rank.position)} ${t('of')} ${count(d.rank.of)}`) : undefined,
    d.suspicion !== undefined ? el('div', { class: 'muted' }, `${t('suspicion')}: ${d.suspicion.toFixed(4)}`) : undefined,
    d.kl !== undefined ? el('div', {}, el('span', { class: 'muted' }, 'KL: '), d.kl.toFixed(3), el('span', { class: 'muted' }, ` · ${t('entropy')}: `), (d.entropy ?? 0).toFixed(3)) : undefined,
    d.reason ? el('div', { class: 'reason', 'data-testid': 'detail-reason' }, d.reason) : undefined,
    d.conflictReason ? el('div', { class: 'reason conflict', 'data-testid': 'detail-conflict' }, el('span', { class: 'badge conflict-badge' }, t('conflict')), ` ${d.conflictReason}`) : undefined,
    d.outlierScore !== undefined ? el('div', { class: 'muted' }, `${t('outlierScore')}: ${d.outlierScore.toFixed(3)}${d.outlier ? ` (${t('outlier')})` : ''}`) : undefined,
    d.excluded ? el('div', { class: 'muted', 'data-testid': 'detail-excluded' }, t('excludedNote')) : undefined);
  const copies = d.duplicates && d.duplicates.length
    ? [el('h3', {}, `${t('copies')} (${d.duplicates.length})`), el('table', { class: 'members', 'data-testid': 'detail-duplicates' },
      ...d.duplicates.map((m) => el('tr', {}, el('td', { class: 'm-label' }, m.label), el('td', { class: 'm-id muted' }, m.id), el('td', { class: 'm-text' }, m.text))))]
    : [];
  return el('div', { class: 'detail-body' },
    ...content,
    facts,
    note,
    ...copies,
    el('h3', {}, t('softVsHard')),
    el('div', { class: 'legend' }, el('span', { class: 'swatch hard' }), t('given'), el('span', { class: 'swatch soft' }), t('soft'), d.target ? el('span', { class: 'swatch target' }) : undefined, d.target ? t('target') : undefined),
    bars(classes, d, t),
    d.history && d.history.length ? el('h3', {}, `${t('history')}: p(${d.given})`) : undefined,
    d.history && d.history.length ? epochChart(d.history, d.given, d.suggested, t) : undefined);
}
