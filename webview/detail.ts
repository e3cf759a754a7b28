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

function sparkline(values: number[], t: T): SVGElement {
  const w = 200, h = 40;
  const pts = values.map((v, i) => `${values.length > 1 ? (i / (values.length - 1)) * w : 0},${h - v * h}`).join(' ');
  return svg('svg', { width: w, height: h, viewBox: `0 0 ${w} ${h}`, class: 'sparkline', role: 'img', 'aria-label': `${t('history')}: ${values.map((v) => v.toFixed(2)).join(', ')}` },
    svg('polyline', { points: pts, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 }));
}

export function renderDetail(d: RowDetail, classes: string[], t: T): HTMLElement {
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
    d.reason ? el('div', { class: 'reason', 'data-testid': 'detail-reason' }, d.reason) : undefined);
  return el('div', { class: 'detail-body' },
    ...content,
    facts,
    el('h3', {}, t('softVsHard')),
    el('div', { class: 'legend' }, el('span', { class: 'swatch hard' }), t('given'), el('span', { class: 'swatch soft' }), t('soft'), d.target ? el('span', { class: 'swatch target' }) : undefined, d.target ? t('target') : undefined),
    bars(classes, d, t),
    d.history && d.history.length ? el('h3', {}, t('history')) : undefined,
    d.history && d.history.length ? sparkline(d.history, t) : undefined);
}
