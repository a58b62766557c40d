"""The operator's view of Tier 1 quality checks and their history: read-only. A check is
passed, sent back, put right and confirmed on its own page, through the services."""

from django.contrib import admin

from auditloop.common.admin import ReadOnlyAdmin
from auditloop.quality.models import QualityCheck, QualityCheckTransition

admin.site.register([QualityCheck, QualityCheckTransition], ReadOnlyAdmin)
