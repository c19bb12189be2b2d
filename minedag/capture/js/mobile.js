// The mobile-emulation pass: tap targets, small text, menu toggles, fixed elements at a phone's width.
() => {
  const vw = window.innerWidth;
  const out = {viewportWidth: vw, scrollWidth: document.documentElement.scrollWidth, smallTapTargets: 0, tapTargets: 0,
               smallText: 0, textNodes: 0, visibleMenuToggle: false, fixedElements: 0};
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, [role=button], [onclick]')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    out.tapTargets++;
    if (r.width < 48 || r.height < 48) out.smallTapTargets++;
    const label = ((el.getAttribute('aria-label') || '') + ' ' + (el.className || '')).toLowerCase();
    if (/menu|hamburger|nav-toggle/.test(label)) out.visibleMenuToggle = true;
  }
  for (const el of document.querySelectorAll('p, li, td, span, a, label')) {
    if (!el.textContent.trim()) continue;
    out.textNodes++;
    if (parseFloat(getComputedStyle(el).fontSize) < 12) out.smallText++;
  }
  for (const el of document.querySelectorAll('body *')) {
    const p = getComputedStyle(el).position;
    if (p === 'fixed' || p === 'sticky') out.fixedElements++;
  }
  return out;
}
