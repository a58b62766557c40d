from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "auditloop.standards"
    label = "standards"
    verbose_name = "Standards: audit tools and framework settings"

    def ready(self) -> None:
        from auditloop.common.navigation import SETUP, NavEntry, register
        from auditloop.people.roles import Capability

        # Every role may read the tools (003: shared with all staff); see views.TOOL_READERS.
        register(NavEntry("Audit tools", "standards:tool_list", tuple(Capability), order=50,
                          group=SETUP, description="What good looks like: each audit tool's "
                          "questions, guidance and grades."))
        register(NavEntry("Framework", "standards:framework", (Capability.MANAGE_FRAMEWORK,),
                          order=62, group=SETUP, description="The settings that run the audit "
                          "programme, and every change made to them."))
        register(NavEntry("Presets", "standards:preset_list", (Capability.MANAGE_FRAMEWORK,),
                          order=63, group=SETUP, description="Set up the framework in one go "
                          "from a council's framework document."))
