from django.contrib import admin

from auditloop.actions.models import Action

admin.site.register(Action)
