"""The `shanghui` console command: every operator task (migrate, demo, serve, audit verify, …)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanghui.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shanghui", *sys.argv[1:]])


if __name__ == "__main__":
    main()
