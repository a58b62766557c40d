"""Tests only: Jinja2 templates announce themselves the way Django templates do, so the
test client's response.context and assertTemplateUsed work with Jinja2 pages."""

from typing import Any

from django.template.backends.jinja2 import Jinja2 as BaseJinja2
from django.template.backends.jinja2 import Template
from django.test.signals import template_rendered


class SignallingTemplate(Template):
    def render(self, context: Any = None, request: Any = None) -> str:
        template_rendered.send(sender=self, template=self, context=dict(context or {}))
        return super().render(context, request)


class Jinja2(BaseJinja2):
    def from_string(self, template_code: str) -> Template:
        return SignallingTemplate(self.env.from_string(template_code), self)

    def get_template(self, template_name: str) -> Template:
        return SignallingTemplate(super().get_template(template_name).template, self)
