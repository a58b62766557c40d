"""Forms for staff, teams, services, localities, job titles, absence and training."""

from django import forms

from auditloop.people.models import (
    Absence,
    AuditorTraining,
    JobTitle,
    Locality,
    Person,
    Service,
    Team,
)
from auditloop.people.roles import Role


class SavedByServiceForm(forms.ModelForm):
    """A form that only reads what was entered: the people services check unique names and
    staff numbers (in any letter case) and save, so that every way in keeps the same rules."""

    def validate_unique(self) -> None:
        return None


class LocalityForm(SavedByServiceForm):
    class Meta:
        model = Locality
        fields = ["name"]


class ServiceForm(SavedByServiceForm):
    class Meta:
        model = Service
        fields = ["name", "kind"]
        labels = {"kind": "Kind of service"}


class TeamForm(SavedByServiceForm):
    class Meta:
        model = Team
        fields = ["name", "service", "locality", "agency"]
        labels = {"agency": "Partner agency"}


class JobTitleForm(SavedByServiceForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False,
        help_text="What this job title may do here.",
    )

    class Meta:
        model = JobTitle
        fields = ["name"]
        labels = {"name": "Job title"}

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["roles"] = sorted(self.instance.roles)


class PersonForm(SavedByServiceForm):
    extra_roles = forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False,
        label="Roles beyond their job title",
        help_text="For example a trained auditor or a moderation panel member.",
    )

    username = forms.CharField(
        max_length=150, required=False, label="Sign-in name",
        help_text="Leave blank if they do not sign in to this service.",
    )
    entra_subject = forms.CharField(
        max_length=300, required=False, label="Microsoft account subject",
        help_text="Shown on their 'Your account is not set up' page when they first sign in "
        "with Microsoft. Never their e-mail address.",
    )

    class Meta:
        model = Person
        fields = [
            "staff_number", "full_name", "email", "job_title", "team", "line_manager",
            "agency", "agency_type", "is_active",
        ]
        labels = {"is_active": "Works here now", "agency": "Partner agency"}

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["line_manager"].queryset = Person.objects.filter(is_active=True).exclude(
            pk=self.instance.pk
        )
        if self.instance.pk:
            self.initial["extra_roles"] = sorted(r.role for r in self.instance.role_rows.all())
            if self.instance.user:
                self.initial["username"] = self.instance.user.username
                self.initial["entra_subject"] = self.instance.user.oidc_subject


class AbsenceForm(forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["kind", "starts_on", "ends_on"]
        labels = {"starts_on": "First day", "ends_on": "Last day"}
        help_texts = {"starts_on": "For example, 27 3 2026, or 2026-03-27"}
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}),
                   "ends_on": forms.DateInput(attrs={"type": "date"})}


class TrainingForm(forms.ModelForm):
    class Meta:
        model = AuditorTraining
        fields = ["status", "recorded_on", "note"]
        labels = {"recorded_on": "Date", "status": "Auditor training"}
        widgets = {"recorded_on": forms.DateInput(attrs={"type": "date"})}
