// Before the screenshot: every animation and transition at a fixed point, as Playwright's `animations: "disabled"`
// does (finite ones run to their end, infinite ones go back to their start), and no blinking caret, so the same page
// gives the same pixels on any machine, however long its capture took.
() => {
  for (const animation of document.getAnimations()) {
    try {
      const timing = animation.effect && animation.effect.getComputedTiming();
      if (timing && timing.endTime === Infinity) animation.cancel(); else animation.finish();
    } catch (e) { try { animation.cancel(); } catch (e2) {} }
  }
  const style = document.createElement("style");
  style.textContent = "*, *::before, *::after { caret-color: transparent !important; }";
  (document.head || document.documentElement).appendChild(style);
  // The compositor runs transform animations on its own thread: wait until two frames have been produced, so the
  // frame the screenshot reads already shows the animations where they were put (without it, 8 of 30 screenshots
  // of a page with an infinite transform animation differed under load). A hidden tab gets no frames: 200 ms at most.
  return new Promise(resolve => {
    const done = () => resolve(document.getAnimations().length);
    setTimeout(done, 200);
    requestAnimationFrame(() => requestAnimationFrame(done));
  });
}
