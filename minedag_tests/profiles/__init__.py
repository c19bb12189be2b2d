"""One test module per registered profile, on golden captures and hand-written pages: no browser."""
