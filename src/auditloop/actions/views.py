"""Your actions, and an action's page where it is updated, signed off and discussed."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from auditloop.actions import forms, origins, selectors, services, steps
from auditloop.actions.models import ActionEvent
from auditloop.common.errors import DomainError
from auditloop.common.idempotency import create_once


def _person(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.user.person_or_none  # type: ignore[union-attr]


@require_GET
def my_actions(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    owned = list(selectors.actions_owned_by(person)) if person else []
    to_sign = list(selectors.actions_awaiting_sign_off_by(person)) if person else []
    return render(request, "actions/my_actions.html", {"owned": owned, "to_sign": to_sign})


def _detail(request: HttpRequest, action_id: int, **form_overrides: object) -> HttpResponse:
    action = selectors.get_action_for_user(request.user, action_id)
    person = _person(request)
    came_from = origins.origins_of(action, request.user)
    context = {
        "action": action,
        "events": action.events.select_related("actor").order_by("at", "id"),
        "is_owner": person is not None and action.owner == person,
        "send_step": steps.send_for_sign_off_step(action, person),
        "sign_off_step": steps.sign_off_step(action, person),
        "origins": came_from,
        "back": origins.back_link(came_from),
        "progress_form": forms.ProgressForm(initial={"status": action.status}),
        "submit_form": forms.SubmitForm(),
        "sign_off_form": forms.SignOffForm(),
        "comment_form": forms.CommentForm(),
    }
    context.update(form_overrides)
    errors = [f for f in form_overrides.values() if getattr(f, "errors", None)]
    context["page_has_errors"] = bool(errors)
    return render(request, "actions/action_detail.html", context,
                  status=400 if errors else 200)


@require_GET
def action_detail(request: HttpRequest, action_id: int) -> HttpResponse:
    return _detail(request, action_id)


def _run(request: HttpRequest, action_id: int, form_name: str, form, apply) -> HttpResponse:  # type: ignore[no-untyped-def]
    action = selectors.get_action_for_user(request.user, action_id)
    if form.is_valid():
        try:
            message = apply(action, _person(request), form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, message)
            return redirect("actions:action_detail", action.pk)
    return _detail(request, action_id, **{form_name: form})


@require_POST
def action_progress(request: HttpRequest, action_id: int) -> HttpResponse:
    def apply(action, person, data):  # type: ignore[no-untyped-def]
        services.action_set_progress(action=action, actor=person, status=data["status"],
                                     note=data["note"])
        return "Progress updated."

    return _run(request, action_id, "progress_form", forms.ProgressForm(request.POST), apply)


@require_POST
def action_submit(request: HttpRequest, action_id: int) -> HttpResponse:
    def apply(action, person, data):  # type: ignore[no-untyped-def]
        services.action_submit_for_sign_off(action=action, actor=person,
                                            evidence=data["evidence"])
        return "Sent for sign-off."

    return _run(request, action_id, "submit_form", forms.SubmitForm(request.POST), apply)


@require_POST
def action_sign_off(request: HttpRequest, action_id: int) -> HttpResponse:
    def apply(action, person, data):  # type: ignore[no-untyped-def]
        if data["decision"] == "sign_off":
            services.action_sign_off(action=action, actor=person, note=data["note"])
            return "Signed off as done."
        services.action_refuse_sign_off(action=action, actor=person, reason=data["note"])
        return "Sent back to the owner."

    return _run(request, action_id, "sign_off_form", forms.SignOffForm(request.POST), apply)


@require_POST
def action_comment(request: HttpRequest, action_id: int) -> HttpResponse:
    def apply(action, person, data):  # type: ignore[no-untyped-def]
        create_once(data.get("form_token", ""), ActionEvent,
                    lambda: services.action_comment(action=action, actor=person,
                                                    text=data["text"]))
        return "Comment added."

    return _run(request, action_id, "comment_form", forms.CommentForm(request.POST), apply)
