"""makemessages that also extracts `L(...)`, the short alias of gettext_lazy used in views."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=L"]
