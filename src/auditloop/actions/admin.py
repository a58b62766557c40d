"""The operator's view of actions, action plans and findings: read-only. They are agreed,
updated, escalated and signed off on their own pages, through the services."""

from django.contrib import admin

from auditloop.actions.models import Action, ActionPlan, Finding
from auditloop.common.admin import ReadOnlyAdmin

admin.site.register([Action, ActionPlan, Finding], ReadOnlyAdmin)
