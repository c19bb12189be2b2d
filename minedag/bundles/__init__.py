"""Versioned training bundles: one per functionality, content-addressed, split by domain, checked, published."""

from minedag.bundles.build import BundleResult, build_bundle, bundle_frame
from minedag.bundles.publish import latest_version, list_versions, publish

__all__ = ["BundleResult", "build_bundle", "bundle_frame", "latest_version", "list_versions", "publish"]
