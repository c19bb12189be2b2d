// Paint entries read again after the screenshot's frame, for a page that had not painted when the metrics were read.
async () => {
  const out = {};
  for (const e of performance.getEntriesByType('paint')) out[e.name] = e.startTime;
  await new Promise((resolve) => {
    try {
      const po = new PerformanceObserver((list) => {
        const entries = list.getEntries();
        if (entries.length) out['largest-contentful-paint'] = entries[entries.length - 1].startTime;
      });
      po.observe({type: 'largest-contentful-paint', buffered: true});
      setTimeout(() => { po.disconnect(); resolve(); }, 30);
    } catch (e) { resolve(); }
  });
  return out;
}
