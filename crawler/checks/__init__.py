"""The check registry: every check a rule file may name, explicitly listed.

To add a check: write a small pure function with `@check(name, ParamsDataclass)` in the
module of its family, add it to `_ALL` below, and give it a passing and a failing test in
tests/test_checks_*.py. The rule loader validates parameters against the dataclass.
"""
from __future__ import annotations

from crawler.checks import columns, content, freshness, links, properties
from crawler.checks.base import CheckContext, CheckSpec, Evidence, Outcome, build_params

_ALL: list[CheckSpec] = [
    columns.column_exists,
    columns.subcolumns,
    columns.column_order,
    columns.blank_columns,
    content.content_published,
    content.annual_report,
    content.link_present,
    content.contact_published,
    content.category_coverage,
    freshness.column_freshness,
    freshness.homepage_updated,
    freshness.stale_columns,
    freshness.update_cadence,
    # link health, media, availability, site properties (issue: link health)
    links.broken_links,
    links.media_playable,
    links.site_available,
    properties.ipv6_enabled,
    properties.https_enabled,
    properties.mobile_friendly,
    properties.site_search,
    properties.error_report_entry,
    properties.site_identifiers,
    properties.interpretation_links,
    properties.document_validity,
    properties.publish_delay,
    properties.personal_data,
    properties.interaction_channel,
]

REGISTRY: dict[str, CheckSpec] = {spec.name: spec for spec in _ALL}

__all__ = ["REGISTRY", "CheckContext", "CheckSpec", "Evidence", "Outcome", "build_params"]
