"""The base of every project command."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class ProjectCommand(BaseCommand):
    """Help texts are lazy translations (read in the operator's language), but argparse
    formats them with `re`, which takes only real strings: they are made strings here, once
    the command's language is active."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if parser.description is not None:
            parser.description = str(parser.description)
        for action in parser._actions:  # argparse has no public list of its actions
            if action.help is not None:
                action.help = str(action.help)
        return parser
