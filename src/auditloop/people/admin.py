"""The operator's view of people: sign-in accounts are managed here; staff, the structure,
absences and training are read-only, changed on the staff and structure pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from auditloop.common.admin import ReadOnlyAdmin
from auditloop.people import models

admin.site.register(models.User, UserAdmin)
admin.site.register([models.Locality, models.Service, models.Team, models.JobTitle,
                     models.Person, models.Absence, models.AuditorTraining], ReadOnlyAdmin)
