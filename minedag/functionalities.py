"""The functionality registry: what a trained model will do, and which profile attributes it learns from.

Naming: a **profile** (model type) produces data (``seo_optimizer``); a **functionality** is what a model
trained on that data does (``seo_optimization``). Attributes are named ``profile.attribute`` and their
types and descriptions come from the profile specs, never written twice.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from minedag.profiles import Attribute, MiningProfile, ProfileSpecError, Serves, all_profiles

if TYPE_CHECKING:
    from minedag.campaigns import Campaign

_CONTENT = ("author", "published", "modified", "publisher", "logo", "categories", "tags", "keywords", "description",
            "urls", "media", "jsonld", "content_title")
# Raw material a functionality can ask for: the attributes each kind adds (screenshot and html come from the capture).
RAW: dict[str, tuple[str, ...]] = {
    "screenshot": (), "html": (),
    "text": ("content_extractor.main_text", "content_extractor.language"),
    "article": tuple(f"content_extractor.{a}" for a in _CONTENT),
}


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
        include_http_errors: keep 4xx/5xx pages as members (off: they go to ``exclusions.jsonl``).
        splits: train/validation/test shares of the sites (each site in one split); they must sum to 1.
        hf_tasks: Hugging Face Hub task categories the dataset card declares.
        raw: raw material written next to the attributes (inputs, never targets): ``screenshot`` (the viewport
            PNG, a ``datasets`` Image), ``html`` (the rendered HTML), ``text`` (the main text as Markdown and its
            language) and ``article`` (author, dates, publisher, tags... from ``content_extractor``).
        near_duplicate_threshold: pages whose main text has at least this estimated Jaccard similarity (word
            5-shingles) with a member's are excluded as near-duplicates; ``None`` turns it off.
        campaign_profiles: campaigns it reads, seen as profiles (``campaign_<name>``): a functionality a campaign
            file declares (``bundle:``) trains on the campaign's attributes, which the user defined and validates.
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
    include_http_errors: bool = False
    splits: tuple[float, float, float] = (0.8, 0.1, 0.1)
    hf_tasks: tuple[str, ...] = ()
    raw: tuple[str, ...] = ()
    near_duplicate_threshold: float | None = 0.9
    campaign_profiles: tuple[MiningProfile, ...] = ()

    def __post_init__(self) -> None:
        if self.near_duplicate_threshold is not None and not 0 < self.near_duplicate_threshold <= 1:
            raise ValueError(f"{self.name}: near_duplicate_threshold {self.near_duplicate_threshold} must be in (0, 1] or None")
        unknown = set(self.raw) - set(RAW)
        if unknown:
            raise ValueError(f"{self.name}: unknown raw material {sorted(unknown)}; choose from {list(RAW)}")
        if len(self.splits) != 3 or any(r < 0 for r in self.splits) or abs(sum(self.splits) - 1) > 1e-9 or not self.splits[0]:
            raise ValueError(f"{self.name}: splits {self.splits} must be three shares (train, validation, test) that sum "
                             "to 1, with a train share above 0")

    @property
    def trained_targets(self) -> tuple[str, ...]:
        """The targets a bundle trains on: those backed by a tool whose fixtures we pass (authoritative) or scored on
        labelled pages (measured). A declared target nobody measured yet is an input column until it is."""
        from minedag.evaluation.targets import TRAINED_KINDS, target_kind

        return tuple(t for t in self.targets if target_kind(t) in TRAINED_KINDS)

    @property
    def unmeasured_targets(self) -> tuple[str, ...]:
        return tuple(t for t in self.targets if t not in self.trained_targets)

    @property
    def attributes(self) -> tuple[str, ...]:
        """Every ``profile.attribute`` of the bundle: required, optional, then the raw material's attributes."""
        extra = tuple(q for kind in self.raw for q in RAW[kind] if q not in self.required + self.optional)
        return self.required + self.optional + extra

    def target_relatives(self) -> tuple[str, ...]:
        """Attributes a target derives from or that derive from it (not inputs: they would leak, but they say
        what the functionality is about, e.g. for discovery)."""
        found = []
        for target in self.targets:
            profile = self.profile(target.split(".")[0])
            for attr in profile.attributes:
                qualified = f"{profile.name}.{attr.name}"
                if qualified not in self.attributes and self._related(qualified, target):
                    found.append(qualified)
        return tuple(dict.fromkeys(found))

    def _related(self, a: str, b: str) -> bool:
        def sources(qualified: str) -> set[str]:
            profile = qualified.split(".")[0]
            return {d if "." in d else f"{profile}.{d}" for d in self.attribute(qualified).derives_from}

        return a in sources(b) or b in sources(a)

    def leaks(self) -> list[tuple[str, str]]:
        """(input, target) pairs where one is declared to derive from the other (``Attribute.derives_from``)."""
        inputs = [q for q in self.attributes if q not in self.targets]
        return [(i, t) for i in inputs for t in self.targets if self._related(i, t)]

    @property
    def profiles(self) -> tuple[str, ...]:
        """The profiles whose records the bundle joins: the model types and those of the raw material."""
        extra = [q.split(".")[0] for q in self.attributes]
        return tuple(dict.fromkeys([*self.model_types, *extra]))

    def attribute(self, qualified: str) -> Attribute:
        """The spec of ``profile.attribute`` (raises ``KeyError`` naming the valid ones)."""
        profile_name, _, attr = qualified.partition(".")
        return self.profile(profile_name).attribute(attr)

    def profile(self, name: str) -> MiningProfile:
        """A profile it reads, or one of its campaigns (raises ``KeyError`` naming the valid ones)."""
        profiles = all_profiles() | {p.name: p for p in self.campaign_profiles}
        if name not in profiles:
            raise KeyError(f"{self.name}: unknown profile {name!r}; profiles: {sorted(profiles)}")
        return profiles[name]


FUNCTIONALITIES: tuple[Functionality, ...] = (
    Functionality(
        "seo_optimization", "Predict which SEO audits a page fails and why, from its markup, content and speed.",
        ("seo_optimizer", "performance_optimizer"),
        # Not inputs: title, meta description and tags, status, crawlable and image alt coverage decide audits; the HTML has them.
        required=("seo_optimizer.word_count", "seo_optimizer.seo_audits", "seo_optimizer.heading_outline"),
        optional=("seo_optimizer.structured_data_types", "seo_optimizer.mobile_friendly",
                  "seo_optimizer.text_to_html_ratio", "seo_optimizer.link_counts", "seo_optimizer.seo_audit_items",
                  "performance_optimizer.simulated_fcp_ms"),
        targets=("seo_optimizer.seo_audits", "seo_optimizer.seo_audit_items"),
        min_quality=60, min_coverage=0.9,
        keywords=("seo", "search engine", "search ranking", "google", "rank", "ranking", "serp", "meta description",
                  "meta tags", "title tag", "canonical", "hreflang", "robots", "crawl", "crawlability", "indexing",
                  "structured data", "rich results", "organic traffic", "keywords", "backlinks", "sitemap", "lighthouse seo"),
        model_kinds=("multi-label classifier", "sequence-to-sequence recommender", "LLM fine-tune"),
        hf_tasks=("tabular-classification", "text-classification"),
        raw=("html",),
    ),
    Functionality(
        "accessibility_improvement", "Find accessibility barriers (WCAG) and suggest fixes for a page.",
        ("accessibility_analyzer", "component_generator"),
        # Not inputs: node counts, impacts, contrast and ARIA counts come from the violations; label, alt, heading and lang checks decide rules.
        required=("accessibility_analyzer.violation_rules", "accessibility_analyzer.landmarks",
                  "accessibility_analyzer.ax_roles"),
        optional=("accessibility_analyzer.violations", "accessibility_analyzer.review_rules", "accessibility_analyzer.focus",
                  "component_generator.accessibility_features"),
        targets=("accessibility_analyzer.violation_rules", "accessibility_analyzer.violations", "accessibility_analyzer.review_rules"),
        min_quality=60, min_coverage=0.9,
        keywords=("accessibility", "a11y", "wcag", "screen reader", "blind", "visually impaired", "disability", "aria",
                  "alt text", "contrast", "colour contrast", "color contrast", "keyboard navigation", "focus", "labels",
                  "axe", "inclusive", "ada compliance", "section 508", "assistive technology"),
        model_kinds=("multi-label classifier", "node classifier over the AX tree", "LLM fine-tune"),
        hf_tasks=("tabular-classification", "text-classification"),
        raw=("html",),
    ),
    Functionality(
        "performance_optimization", "Predict a page's loading cost (weight, render-blocking bytes, first paint and load on a "
        "fixed network) from its structure.",
        ("performance_optimizer",),
        # Not inputs: the bytes the simulated timings are computed from. The measured wall-clock timings move with the
        # capturing machine's load (volatile): records only.
        required=("performance_optimizer.dom_nodes", "performance_optimizer.requests_by_type",
                  "performance_optimizer.simulated_fcp_ms", "performance_optimizer.simulated_load_ms"),
        optional=("performance_optimizer.unused_css_bytes", "performance_optimizer.layer_count",
                  "performance_optimizer.compositing"),
        targets=("performance_optimizer.simulated_fcp_ms", "performance_optimizer.simulated_load_ms"),
        min_quality=60, min_coverage=0.9,
        keywords=("performance", "speed", "fast", "slow", "load time", "loading", "page speed", "core web vitals", "web vitals",
                  "lcp", "cls", "fcp", "ttfb", "latency", "render blocking", "bundle size", "unused css", "unused javascript",
                  "optimize speed", "compositing", "layers", "jank"),
        model_kinds=("regressor", "gradient-boosted trees", "LLM fine-tune"),
        hf_tasks=("tabular-regression",),
    ),
    Functionality(
        "design_system_extraction", "Extract a site's design tokens (colours, type, spacing) and spot off-scale values.",
        ("design_system_analyzer",),
        # Not inputs: tokens are the custom properties reformatted, off-scale values and consistency come from the scales.
        required=("design_system_analyzer.font_families", "design_system_analyzer.design_tokens"),
        optional=("design_system_analyzer.color_count", "design_system_analyzer.font_weights",
                  "design_system_analyzer.line_heights", "design_system_analyzer.radii",
                  "design_system_analyzer.shadows", "design_system_analyzer.breakpoints",
                  "design_system_analyzer.z_index_scale", "design_system_analyzer.off_scale_values"),
        targets=("design_system_analyzer.design_tokens", "design_system_analyzer.off_scale_values"),
        min_quality=60, min_coverage=0.9,
        keywords=("design system", "design tokens", "tokens", "style guide", "palette", "colors", "colours", "typography",
                  "fonts", "type scale", "spacing", "brand", "theme", "css variables", "custom properties", "figma",
                  "visual consistency", "dtcg"),
        model_kinds=("clustering", "sequence-to-sequence", "LLM fine-tune"),
        hf_tasks=("text-generation",),
        raw=("html", "screenshot"),
    ),
    Functionality(
        "component_generation", "Generate reusable UI components (structure, props, styles, states) from real pages.",
        ("component_generator", "design_system_analyzer"),
        # Not inputs: component types, counts, signatures and ARIA per type are the components, counted another way.
        required=("component_generator.components", "component_generator.style_patterns"),
        optional=("component_generator.prop_types", "component_generator.reusability_score",
                  "component_generator.layout_methods", "component_generator.responsive_breakpoints",
                  "component_generator.animations", "component_generator.state_patterns",
                  "component_generator.max_nesting_depth", "design_system_analyzer.design_tokens"),
        targets=("component_generator.components", "component_generator.prop_types", "component_generator.style_patterns"),
        min_quality=60, min_coverage=0.9,
        keywords=("component", "components", "ui components", "react", "vue", "svelte", "generate code", "code generation",
                  "html to code", "ui generation", "widgets", "buttons", "cards", "modal", "props", "frontend",
                  "design to code", "component library", "storybook"),
        model_kinds=("code LLM fine-tune", "graph neural network over the DOM"),
        hf_tasks=("text-generation",),
        raw=("screenshot", "html"),
    ),
    Functionality(
        "workflow_prediction", "Predict what a user does next on a page: forms to fill, buttons to click, where to go.",
        ("workflow_predictor", "ux_pattern_analyzer"),
        # Not inputs: the action sequences and the primary CTA are read off the forms and the ranked calls to action.
        required=("workflow_predictor.form_count", "workflow_predictor.internal_link_count",
                  "workflow_predictor.action_sequences"),
        optional=("workflow_predictor.field_count", "workflow_predictor.form_purposes",
                  "workflow_predictor.primary_cta", "workflow_predictor.link_graph", "workflow_predictor.multi_step",
                  "workflow_predictor.flow_steps", "workflow_predictor.interactive_count",
                  "ux_pattern_analyzer.primary_cta_above_fold"),
        targets=("workflow_predictor.action_sequences", "workflow_predictor.primary_cta"),
        min_quality=60, min_coverage=0.9,
        keywords=("workflow", "user flow", "user journey", "next action", "predict clicks", "click prediction", "form filling",
                  "web agent", "browser agent", "automation", "rpa", "mind2web", "navigation", "checkout flow", "sign up flow",
                  "task completion", "funnel", "conversion path", "autofill", "agent"),
        model_kinds=("sequence model", "web-agent LLM fine-tune", "next-action classifier"),
        hf_tasks=("text-generation",),
        raw=("html",),
    ),
    Functionality(
        "ux_pattern_recognition", "Recognise UX patterns and anti-patterns: layouts, navigation, overlays and dark patterns.",
        ("ux_pattern_analyzer", "component_generator"),
        required=("ux_pattern_analyzer.page_type", "ux_pattern_analyzer.navigation_patterns",
                  "ux_pattern_analyzer.dark_patterns"),
        # Not inputs: dark_pattern_count is len(dark_patterns), and layout_features decide layout_pattern.
        optional=("ux_pattern_analyzer.layout_pattern", "ux_pattern_analyzer.above_the_fold", "ux_pattern_analyzer.primary_cta_above_fold",
                  "ux_pattern_analyzer.overlays", "ux_pattern_analyzer.sticky_fixed", "ux_pattern_analyzer.visual_hierarchy",
                  "ux_pattern_analyzer.tap_targets", "component_generator.component_types"),
        targets=("ux_pattern_analyzer.page_type", "ux_pattern_analyzer.dark_patterns", "ux_pattern_analyzer.overlays"),
        min_quality=60, min_coverage=0.9,
        keywords=("ux", "user experience", "ui patterns", "layout", "dark patterns", "deceptive design", "usability",
                  "hero", "above the fold", "cookie banner", "popup", "modal", "navigation pattern", "hamburger", "tap targets",
                  "mobile usability", "visual hierarchy", "screenshot classification", "landing page"),
        model_kinds=("image+DOM classifier", "multi-label classifier", "vision-language fine-tune"),
        hf_tasks=("tabular-classification",),
        raw=("screenshot",),
    ),
    Functionality(
        "schema_relationship_learning", "Learn how page markup maps to a database schema: entities, ids, relations, columns.",
        ("schema_linker",),
        # Not inputs: data attributes, entity ids and schema.org types decide the links; the model reads the markup.
        required=("schema_linker.table_links",),
        optional=("schema_linker.relationships", "schema_linker.form_field_columns"),
        targets=("schema_linker.table_links", "schema_linker.relationships", "schema_linker.form_field_columns"),
        min_quality=60, min_coverage=0.9,
        keywords=("schema", "database", "tables", "entities", "entity relationship", "er diagram", "data model", "sql",
                  "foreign key", "data attributes", "data-id", "schema.org", "json-ld", "microdata", "knowledge graph",
                  "ontology", "scraping to database", "structured extraction", "columns", "reverse engineer backend"),
        model_kinds=("link predictor", "graph neural network", "LLM fine-tune"),
        hf_tasks=("graph-ml", "text-generation"),
        raw=("html",),
    ),
)


def builtin_functionalities() -> tuple[Functionality, ...]:
    """The eight built-in functionalities, each with the attributes registered profiles declare they serve
    (``MiningProfile.serves``): a new profile's inputs are optional attributes, its targets targets.

    Raises:
        ProfileSpecError: a profile serves a functionality that does not exist.
    """
    served: dict[str, list[tuple[MiningProfile, Serves]]] = {}
    for profile in all_profiles().values():
        for use in profile.serves:
            served.setdefault(use.functionality, []).append((profile, use))
    unknown = sorted(set(served) - {f.name for f in FUNCTIONALITIES})
    if unknown:
        raise ProfileSpecError(f"profiles {sorted(p.name for n in unknown for p, _u in served[n])} serve unknown functionalities "
                               f"{unknown}; choose from {[f.name for f in FUNCTIONALITIES]}")
    extended = []
    for f in FUNCTIONALITIES:
        for profile, use in served.get(f.name, ()):
            inputs, targets = ([f"{profile.name}.{a}" for a in names] for names in (use.inputs, use.targets))
            f = dataclasses.replace(f, model_types=tuple(dict.fromkeys([*f.model_types, profile.name])),
                                    optional=tuple(dict.fromkeys([*f.optional, *inputs, *targets])),
                                    targets=tuple(dict.fromkeys([*f.targets, *targets])))
        extended.append(f)
    return tuple(extended)


def functionalities() -> dict[str, Functionality]:
    """The built-in functionalities (``builtin_functionalities``), then those the campaign files that load declare
    (``bundle:``); a campaign that does not load is disabled alone (``minedag.campaigns.scan`` says why)."""
    from minedag.campaigns import load_all
    from minedag.settings import campaigns_dir

    registry = {f.name: f for f in builtin_functionalities()}
    for campaign in load_all(campaigns_dir()):
        if campaign.bundle is not None:
            registry[campaign.name] = campaign_functionality(campaign)
    return registry


def campaign_functionality(campaign: Campaign) -> Functionality:
    """The functionality a campaign's ``bundle:`` declares: its targets are the campaign's attributes.

    Raises:
        CampaignError: an input or target that is not an attribute of the campaign or of a profile.
    """
    from minedag.campaigns import CampaignError
    from minedag.campaigns.extract import as_profile

    bundle, own = campaign.bundle, as_profile(campaign)
    assert bundle is not None
    qualified = [n if "." in n else f"{own.name}.{n}" for n in [*bundle.targets, *bundle.inputs]]
    targets, inputs = tuple(qualified[: len(bundle.targets)]), tuple(qualified[len(bundle.targets):])
    f = Functionality(campaign.name, bundle.description, tuple(dict.fromkeys([own.name, *(q.split(".")[0] for q in inputs)])),
                      required=targets, optional=inputs, targets=targets, min_quality=bundle.min_quality,
                      min_coverage=bundle.min_coverage, keywords=tuple(bundle.keywords) or (campaign.name.replace("_", " "),),
                      model_kinds=("tabular model", "LLM fine-tune"), splits=bundle.splits, campaign_profiles=(own,))
    for q in f.attributes:
        try:
            f.attribute(q)
        except KeyError as exc:
            raise CampaignError(f"campaign {campaign.name}: bundle input {q!r} does not exist ({exc.args[0]})") from None
    return f


def get_functionality(name: str) -> Functionality:
    registry = functionalities()
    if name not in registry:
        raise KeyError(f"unknown functionality {name!r}; choose one of {sorted(registry)}")
    return registry[name]


def validate() -> None:
    """Every attribute named by a functionality exists in a profile it draws from and is reproducible (raises
    ``KeyError``)."""
    for f in builtin_functionalities():
        for qualified in f.attributes + f.targets:
            if f.attribute(qualified).volatile:
                raise KeyError(f"{f.name}: {qualified!r} moves with the machine's load (volatile): not a bundle column")
            if qualified.split(".")[0] not in f.model_types:
                raise KeyError(f"{f.name}: {qualified!r} comes from a profile not in model_types {f.model_types}")
        if not set(f.targets) <= set(f.attributes):
            raise KeyError(f"{f.name}: targets must be among its attributes")
