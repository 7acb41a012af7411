from django.apps import AppConfig, apps
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "salesops.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        """Collect every SalesOps app's route policy and demo steps; install the `in` lookup
        that sends long id lists to PostgreSQL as one array (core.idlists); mark a session as
        just pushed back when its user signs in (core.middleware)."""
        from django.contrib.auth.signals import user_logged_in

        from salesops.core import idlists, middleware, policy

        idlists.register()
        user_logged_in.connect(middleware.seen_at_sign_in, dispatch_uid="core-session-seen")

        for config in apps.get_app_configs():
            if not config.name.startswith("salesops."):
                continue
            try:
                routes = import_string(f"{config.name}.permissions.ROUTES")
            except ImportError:
                continue
            policy.register(routes)
