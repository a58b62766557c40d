from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from auditloop.people import models

admin.site.register(models.User, UserAdmin)
admin.site.register([models.Locality, models.Service, models.Team, models.JobTitle,
                     models.Person, models.Absence, models.AuditorTraining])
