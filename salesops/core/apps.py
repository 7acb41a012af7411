from django.apps import AppConfig, apps
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "salesops.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        """Collect every SalesOps app's route policy and demo steps; install the `in` lookup
        that sends long id lists to PostgreSQL as one array (core.idlists)."""
        from salesops.core import idlists, policy

        idlists.register()

        for config in apps.get_app_configs():
            if not config.name.startswith("salesops."):
                continue
            try:
                routes = import_string(f"{config.name}.permissions.ROUTES")
            except ImportError:
                continue
            policy.register(routes)
