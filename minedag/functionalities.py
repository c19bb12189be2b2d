"""The functionality registry: what a trained model will do, and which profile attributes it learns from.

Naming: a **profile** (model type) produces data (``seo_optimizer``); a **functionality** is what a model
trained on that data does (``seo_optimization``). Attributes are named ``profile.attribute`` and their
types and descriptions come from the profile specs, never written twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from minedag.profiles import Attribute, all_profiles


@dataclass(frozen=True)
class Functionality:
    """A trainable functionality.

    Args:
        name: snake_case id, also the ``training_bundle`` partition key.
        description: what a model trained on the bundle does.
        model_types: the profiles whose records feed the bundle.
        required: ``profile.attribute`` names every bundle row needs (coverage is checked against a floor).
        optional: further useful attributes.
        targets: what the model predicts (the chat format's answer); the rest are its inputs.
        min_quality: rows below this profile quality score are excluded (and recorded as such).
        min_coverage: share of rows that must have each required attribute for a bundle to be published.
        keywords: words and phrases people use for this goal (for discovery).
        model_kinds: the kinds of model this data suits.
    """

    name: str
    description: str
    model_types: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    targets: tuple[str, ...]
    min_quality: int
    min_coverage: float
    keywords: tuple[str, ...]
    model_kinds: tuple[str, ...]

    @property
    def attributes(self) -> tuple[str, ...]:
        return self.required + self.optional

    def attribute(self, qualified: str) -> Attribute:
        """The spec of ``profile.attribute`` (raises ``KeyError`` naming the valid ones)."""
        profile_name, _, attr = qualified.partition(".")
        profiles = all_profiles()
        if profile_name not in profiles:
            raise KeyError(f"{self.name}: unknown profile {profile_name!r} in {qualified!r}; profiles: {sorted(profiles)}")
        return profiles[profile_name].attribute(attr)


FUNCTIONALITIES: tuple[Functionality, ...] = (
    Functionality(
        "seo_optimization", "Predict which SEO audits a page fails and why, from its markup, content and speed.",
        ("seo_optimizer", "performance_optimizer"),
        required=("seo_optimizer.title", "seo_optimizer.word_count", "seo_optimizer.http_status", "seo_optimizer.seo_audits",
                  "seo_optimizer.heading_outline"),
        optional=("seo_optimizer.meta_description", "seo_optimizer.meta_tags", "seo_optimizer.structured_data_types",
                  "seo_optimizer.mobile_friendly", "seo_optimizer.text_to_html_ratio", "seo_optimizer.link_counts",
                  "seo_optimizer.image_alt_coverage", "seo_optimizer.crawlable", "seo_optimizer.seo_audit_items",
                  "performance_optimizer.lcp_ms", "seo_optimizer.load_time_ms"),
        targets=("seo_optimizer.seo_audits", "seo_optimizer.seo_audit_items"),
        min_quality=60, min_coverage=0.9,
        keywords=("seo", "search engine", "search ranking", "google", "rank", "ranking", "serp", "meta description",
                  "meta tags", "title tag", "canonical", "hreflang", "robots", "crawl", "crawlability", "indexing",
                  "structured data", "rich results", "organic traffic", "keywords", "backlinks", "sitemap", "lighthouse seo"),
        model_kinds=("multi-label classifier", "sequence-to-sequence recommender", "LLM fine-tune"),
    ),
    Functionality(
        "accessibility_improvement", "Find accessibility barriers (WCAG) and suggest fixes for a page.",
        ("accessibility_analyzer", "component_generator"),
        required=("accessibility_analyzer.violation_rules", "accessibility_analyzer.violation_nodes",
                  "accessibility_analyzer.landmarks", "accessibility_analyzer.ax_roles"),
        optional=("accessibility_analyzer.violations", "accessibility_analyzer.violations_by_impact",
                  "accessibility_analyzer.axe_outcomes", "accessibility_analyzer.contrast_failures",
                  "accessibility_analyzer.form_label_coverage", "accessibility_analyzer.image_alt_coverage",
                  "accessibility_analyzer.heading_order_ok", "accessibility_analyzer.lang", "accessibility_analyzer.aria_misuse",
                  "accessibility_analyzer.focus", "accessibility_analyzer.unnamed_interactive",
                  "component_generator.accessibility_features"),
        targets=("accessibility_analyzer.violation_rules", "accessibility_analyzer.violations"),
        min_quality=60, min_coverage=0.9,
        keywords=("accessibility", "a11y", "wcag", "screen reader", "blind", "visually impaired", "disability", "aria",
                  "alt text", "contrast", "colour contrast", "color contrast", "keyboard navigation", "focus", "labels",
                  "axe", "inclusive", "ada compliance", "section 508", "assistive technology"),
        model_kinds=("multi-label classifier", "node classifier over the AX tree", "LLM fine-tune"),
    ),
    Functionality(
        "performance_optimization", "Predict loading speed and Core Web Vitals from a page's resources and structure.",
        ("performance_optimizer",),
        required=("performance_optimizer.load_ms", "performance_optimizer.dom_nodes", "performance_optimizer.requests_by_type",
                  "performance_optimizer.bytes_by_type"),
        optional=("performance_optimizer.ttfb_ms", "performance_optimizer.fcp_ms", "performance_optimizer.lcp_ms",
                  "performance_optimizer.cls", "performance_optimizer.dom_content_loaded_ms", "performance_optimizer.render_blocking",
                  "performance_optimizer.unused_css_bytes", "performance_optimizer.unused_js_bytes",
                  "performance_optimizer.runtime_metrics", "performance_optimizer.layer_count", "performance_optimizer.compositing"),
        targets=("performance_optimizer.lcp_ms", "performance_optimizer.fcp_ms", "performance_optimizer.cls", "performance_optimizer.load_ms"),
        min_quality=60, min_coverage=0.9,
        keywords=("performance", "speed", "fast", "slow", "load time", "loading", "page speed", "core web vitals", "web vitals",
                  "lcp", "cls", "fcp", "ttfb", "latency", "render blocking", "bundle size", "unused css", "unused javascript",
                  "optimize speed", "compositing", "layers", "jank"),
        model_kinds=("regressor", "gradient-boosted trees", "LLM fine-tune"),
    ),
    Functionality(
        "design_system_extraction", "Extract a site's design tokens (colours, type, spacing) and spot off-scale values.",
        ("design_system_analyzer",),
        required=("design_system_analyzer.palette", "design_system_analyzer.font_families", "design_system_analyzer.type_scale",
                  "design_system_analyzer.spacing_scale", "design_system_analyzer.consistency_score"),
        optional=("design_system_analyzer.color_count", "design_system_analyzer.font_weights", "design_system_analyzer.line_heights",
                  "design_system_analyzer.radii", "design_system_analyzer.shadows", "design_system_analyzer.custom_properties",
                  "design_system_analyzer.breakpoints", "design_system_analyzer.z_index_scale",
                  "design_system_analyzer.off_scale_values", "design_system_analyzer.design_tokens"),
        targets=("design_system_analyzer.design_tokens", "design_system_analyzer.off_scale_values"),
        min_quality=60, min_coverage=0.9,
        keywords=("design system", "design tokens", "tokens", "style guide", "palette", "colors", "colours", "typography",
                  "fonts", "type scale", "spacing", "brand", "theme", "css variables", "custom properties", "figma",
                  "visual consistency", "dtcg"),
        model_kinds=("clustering", "sequence-to-sequence", "LLM fine-tune"),
    ),
    Functionality(
        "component_generation", "Generate reusable UI components (structure, props, styles, states) from real pages.",
        ("component_generator", "design_system_analyzer"),
        required=("component_generator.component_types", "component_generator.component_count", "component_generator.signatures",
                  "component_generator.style_patterns"),
        optional=("component_generator.components", "component_generator.reusability_score", "component_generator.prop_types",
                  "component_generator.layout_methods", "component_generator.responsive_breakpoints",
                  "component_generator.accessibility_features", "component_generator.animations",
                  "component_generator.state_patterns", "component_generator.max_nesting_depth", "design_system_analyzer.design_tokens"),
        targets=("component_generator.components", "component_generator.prop_types", "component_generator.style_patterns"),
        min_quality=60, min_coverage=0.9,
        keywords=("component", "components", "ui components", "react", "vue", "svelte", "generate code", "code generation",
                  "html to code", "ui generation", "widgets", "buttons", "cards", "modal", "props", "frontend",
                  "design to code", "component library", "storybook"),
        model_kinds=("code LLM fine-tune", "graph neural network over the DOM"),
    ),
    Functionality(
        "workflow_prediction", "Predict what a user does next on a page: forms to fill, buttons to click, where to go.",
        ("workflow_predictor", "ux_pattern_analyzer"),
        required=("workflow_predictor.forms", "workflow_predictor.form_count", "workflow_predictor.internal_link_count",
                  "workflow_predictor.action_sequences"),
        optional=("workflow_predictor.field_count", "workflow_predictor.form_purposes", "workflow_predictor.calls_to_action",
                  "workflow_predictor.primary_cta", "workflow_predictor.link_graph", "workflow_predictor.multi_step",
                  "workflow_predictor.flow_steps", "workflow_predictor.interactive_count", "ux_pattern_analyzer.primary_cta_above_fold"),
        targets=("workflow_predictor.action_sequences", "workflow_predictor.primary_cta"),
        min_quality=60, min_coverage=0.9,
        keywords=("workflow", "user flow", "user journey", "next action", "predict clicks", "click prediction", "form filling",
                  "web agent", "browser agent", "automation", "rpa", "mind2web", "navigation", "checkout flow", "sign up flow",
                  "task completion", "funnel", "conversion path", "autofill", "agent"),
        model_kinds=("sequence model", "web-agent LLM fine-tune", "next-action classifier"),
    ),
    Functionality(
        "ux_pattern_recognition", "Recognise UX patterns and anti-patterns: layouts, navigation, overlays and dark patterns.",
        ("ux_pattern_analyzer", "component_generator"),
        required=("ux_pattern_analyzer.layout_pattern", "ux_pattern_analyzer.navigation_patterns",
                  "ux_pattern_analyzer.dark_patterns", "ux_pattern_analyzer.dark_pattern_count"),
        optional=("ux_pattern_analyzer.layout_features", "ux_pattern_analyzer.above_the_fold", "ux_pattern_analyzer.primary_cta_above_fold",
                  "ux_pattern_analyzer.overlays", "ux_pattern_analyzer.sticky_fixed", "ux_pattern_analyzer.visual_hierarchy",
                  "ux_pattern_analyzer.tap_targets", "component_generator.component_types"),
        targets=("ux_pattern_analyzer.layout_pattern", "ux_pattern_analyzer.dark_patterns"),
        min_quality=60, min_coverage=0.9,
        keywords=("ux", "user experience", "ui patterns", "layout", "dark patterns", "deceptive design", "usability",
                  "hero", "above the fold", "cookie banner", "popup", "modal", "navigation pattern", "hamburger", "tap targets",
                  "mobile usability", "visual hierarchy", "screenshot classification", "landing page"),
        model_kinds=("image+DOM classifier", "multi-label classifier", "vision-language fine-tune"),
    ),
    Functionality(
        "schema_relationship_learning", "Learn how page markup maps to a database schema: entities, ids, relations, columns.",
        ("schema_linker",),
        required=("schema_linker.entities", "schema_linker.table_links", "schema_linker.link_count"),
        optional=("schema_linker.data_attributes", "schema_linker.entity_ids", "schema_linker.relationships",
                  "schema_linker.schema_org_types", "schema_linker.schema_org_entities", "schema_linker.form_field_columns",
                  "schema_linker.max_confidence"),
        targets=("schema_linker.table_links", "schema_linker.relationships", "schema_linker.form_field_columns"),
        min_quality=60, min_coverage=0.9,
        keywords=("schema", "database", "tables", "entities", "entity relationship", "er diagram", "data model", "sql",
                  "foreign key", "data attributes", "data-id", "schema.org", "json-ld", "microdata", "knowledge graph",
                  "ontology", "scraping to database", "structured extraction", "columns", "reverse engineer backend"),
        model_kinds=("link predictor", "graph neural network", "LLM fine-tune"),
    ),
)


@cache
def functionalities() -> dict[str, Functionality]:
    return {f.name: f for f in FUNCTIONALITIES}


def get_functionality(name: str) -> Functionality:
    registry = functionalities()
    if name not in registry:
        raise KeyError(f"unknown functionality {name!r}; choose one of {sorted(registry)}")
    return registry[name]


def validate() -> None:
    """Every attribute named by a functionality exists in a profile it draws from (raises ``KeyError``)."""
    for f in FUNCTIONALITIES:
        for qualified in f.attributes + f.targets:
            f.attribute(qualified)
            if qualified.split(".")[0] not in f.model_types:
                raise KeyError(f"{f.name}: {qualified!r} comes from a profile not in model_types {f.model_types}")
        if not set(f.targets) <= set(f.attributes):
            raise KeyError(f"{f.name}: targets must be among its attributes")
