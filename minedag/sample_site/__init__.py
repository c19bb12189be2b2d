"""The bundled sample site: five small sites (shop, blog, people, docs, app) served from ``data/site``."""
