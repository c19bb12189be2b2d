"""minedag: mine live web pages into typed, versioned machine-learning training data.

Layers (each importable without the ones below it):

- ``minedag.capture``   one Chromium navigation per URL -> a ``PageCapture`` (Playwright + CDP)
- ``minedag.profiles``  the mining profiles (eight, plus content_extractor), pure ``extract(capture) -> record`` functions
- ``minedag.store``     content-addressed captures and per-URL records under ``data/``
- ``minedag.defs``      the Dagster assets, checks, sensors and resources over the layers above
"""

__version__ = "0.1.0"
