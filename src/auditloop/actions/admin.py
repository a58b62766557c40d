from django.contrib import admin

from auditloop.actions.models import Action, ActionPlan, Finding

admin.site.register(Action)
admin.site.register(ActionPlan)
admin.site.register(Finding)
