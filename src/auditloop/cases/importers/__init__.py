"""Case importers, one module per format; each reads files into records, never saving.

A format module has LABEL, SCOPE (the service kinds it covers, for complete lists),
PARTIAL (it knows only part of a child's journey), load(files) and parse(loaded, progress).
"""

from types import ModuleType

from auditloop.cases.importers import annex_a, cin_census, monthly, ssda903

CASE_FORMATS: dict[str, ModuleType] = {
    "monthly": monthly,
    "annex_a": annex_a,
    "ssda903": ssda903,
    "cin_census": cin_census,
}
