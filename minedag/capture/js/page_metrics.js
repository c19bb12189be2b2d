// Read after load in the page: navigation timing, paint and CLS, DOM depth, CSS custom properties and @media rules, links, robots meta, document size.
async () => {
  const buffered = (type) => new Promise((resolve) => {
    const out = [];
    try {
      const po = new PerformanceObserver((list) => out.push(...list.getEntries()));
      po.observe({type, buffered: true});
      setTimeout(() => { out.push(...po.takeRecords()); po.disconnect(); resolve(out); }, 30);
    } catch (e) { resolve(out); }
  });
  const [lcp, shifts] = await Promise.all([buffered('largest-contentful-paint'), buffered('layout-shift')]);
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = {};
  for (const e of performance.getEntriesByType('paint')) paint[e.name] = e.startTime;
  if (lcp.length) paint['largest-contentful-paint'] = lcp[lcp.length - 1].startTime;
  let cls = 0;
  for (const s of shifts) if (!s.hadRecentInput) cls += s.value;
  let depth = 0;
  const walk = (el, d) => { if (d > depth) depth = d; for (const c of el.children) walk(c, d + 1); };
  if (document.documentElement) walk(document.documentElement, 1);
  const css = {customProperties: {}, media: [], sheets: 0, blocked: 0};
  for (const sheet of document.styleSheets) {
    css.sheets++;
    let rules;
    try { rules = sheet.cssRules; } catch (e) { css.blocked++; continue; }
    const visit = (list) => {
      for (const rule of list) {
        if (rule.media && rule.conditionText !== undefined) { css.media.push(rule.conditionText); visit(rule.cssRules); }
        else if (rule.style && rule.selectorText) {
          for (const name of rule.style) if (name.startsWith('--') && Object.keys(css.customProperties).length < 500)
            css.customProperties[name] = rule.style.getPropertyValue(name).trim();
        }
      }
    };
    visit(rules);
  }
  const t = nav ? nav.toJSON() : {};
  const timing = {};
  for (const k of ['startTime','redirectStart','redirectEnd','fetchStart','domainLookupStart','domainLookupEnd',
                   'connectStart','connectEnd','requestStart','responseStart','responseEnd','domInteractive',
                   'domContentLoadedEventStart','domContentLoadedEventEnd','domComplete','loadEventStart',
                   'loadEventEnd','transferSize','encodedBodySize','decodedBodySize','redirectCount'])
    if (typeof t[k] === 'number') timing[k] = t[k];
  // Out-links as the browser resolved them (base href included), with their rel, for crawling.
  const links = [], seen = new Set();
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    if (typeof a.href !== 'string' || seen.has(a.href + ' ' + a.rel) || links.length >= 5000) continue;
    seen.add(a.href + ' ' + a.rel);
    links.push([a.href, (a.rel || '').toLowerCase()]);
  }
  const robots = document.querySelector('meta[name="robots" i]');
  return {timing, paint, cls, depth, css, links, robotsMeta: robots ? (robots.content || '').toLowerCase() : '',
          scrollWidth: document.documentElement ? document.documentElement.scrollWidth : 0,
          scrollHeight: document.documentElement ? document.documentElement.scrollHeight : 0};
}
