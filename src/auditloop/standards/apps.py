from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "auditloop.standards"
    label = "standards"
    verbose_name = "Standards: audit tools and framework settings"

    def ready(self) -> None:
        from auditloop.common.navigation import NavEntry, register
        from auditloop.people.roles import Capability

        # Every role may read the tools (003: shared with all staff); see views.TOOL_READERS.
        register(NavEntry("Audit tools", "standards:tool_list", tuple(Capability), order=50))
        register(NavEntry("Framework", "standards:framework", (Capability.MANAGE_FRAMEWORK,),
                          order=62))
