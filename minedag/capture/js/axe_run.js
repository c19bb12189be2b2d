// Runs axe-core (injected before) with minedag's rule set; called with {rules, iframes, passNodes, quadraticLimit}.
async ({rules, iframes, passNodes, quadraticLimit}) => {
  const QUADRATIC_RULES = ['target-size', 'link-in-text-block'];
  if (typeof axe === 'undefined') return {error: 'axe-core was not injected'};
  const framed = iframes && document.querySelector('iframe, frame') !== null;  // frame messaging only when needed
  const options = {iframes: framed, frameWaitTime: 3000, elementRef: false};
  if (!passNodes) options.resultTypes = ['violations', 'incomplete'];  // axe then keeps one passing node per rule
  // These rules compare every target with every other (46 s for 3,000 links): skipped on pages with more.
  const targets = document.querySelectorAll('a[href], button, input, select, textarea, [role=button], [role=link]').length;
  const skipped = rules.length || targets <= quadraticLimit ? [] : QUADRATIC_RULES.map((id) => ({id,
    reason: `${targets} links and controls, above ${quadraticLimit}: this rule's cost grows with their square`}));
  if (!rules.length) {  // axe's default rules, plus every rule mapped to a W3C ACT rule (experimental ones too)
    const act = axe.getRules().filter((r) => (r.actIds || []).length || r.tags.includes('ACT'));
    options.rules = Object.fromEntries(act.map((r) => [r.ruleId, {enabled: true}]));
  }
  for (const s of skipped) (options.rules = options.rules || {})[s.id] = {enabled: false};
  if (rules.length) {  // rule ids or tags; 'all' = every rule axe ships, experimental and deprecated ones included
    const known = axe.getRules().map((r) => r.ruleId);
    const unknown = rules.filter((x) => x !== 'all' && !known.includes(x) && !axe.getRules([x]).length);
    if (unknown.length) return {error: `unknown axe rules or tags: ${unknown.join(', ')}`};
    const ids = rules.flatMap((x) => x === 'all' ? known : known.includes(x) ? [x] : axe.getRules([x]).map((r) => r.ruleId));
    options.runOnly = {type: 'rule', values: [...new Set(ids)]};
  }
  const r = await axe.run(document, options);
  const node = (n) => ({target: n.target.map(String), html: (n.html || '').slice(0, 300), impact: n.impact || null,
                        summary: (n.failureSummary || '').slice(0, 300)});
  const full = (rule) => ({id: rule.id, impact: rule.impact || null, tags: rule.tags, help: rule.help, nodes: rule.nodes.map(node)});
  return {engine: r.testEngine.version, violations: r.violations.map(full), incomplete: r.incomplete.map(full),
          passes: r.passes.map((p) => passNodes ? {id: p.id, tags: p.tags, count: p.nodes.length,
            targets: p.nodes.slice(0, 50).map((n) => n.target.map(String))} : {id: p.id, tags: p.tags}),
          inapplicable: r.inapplicable.map((p) => p.id), skipped};
}
