"""The wheel's build: the gettext catalogs (src/amsplan/locale/*/*.po) are compiled into
amsplan/locale/<lang>/LC_MESSAGES/amsplan.mo and shipped with the package. Everything
else is in pyproject.toml."""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        here = Path(__file__).resolve().parent
        sys.path.insert(0, str(here / "src"))
        from amsplan import i18n  # only gettext, io, os at import time

        for language in i18n.LANGUAGES:
            i18n.mo_bytes(language)  # writes locale/<lang>/LC_MESSAGES/amsplan.mo
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
