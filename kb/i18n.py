"""Interface languages: Kazakh, Russian and English through Flask-Babel.

Catalogs are kept as gettext ``.po`` fragments, one per area of the interface, under
``kb/translations/<locale>/*.po`` (English is the source language and needs none). At
start the fragments of each locale are merged and compiled into the instance's
``.translations`` folder, so no compiled file is committed and every area can keep its own
fragment.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask import request
from flask import session
from flask_babel import Babel
from flask_login import current_user

from kb.config import LOCALES

SOURCE = Path(__file__).parent / "translations"
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

babel = Babel()


def compile_catalogs(target: Path) -> Path:
    """Merge the ``.po`` fragments of every locale and write ``messages.mo`` under ``target``.

    :param target: folder to write ``<locale>/LC_MESSAGES/messages.mo`` into.
    :returns: ``target``.
    :raises ValueError: when two fragments translate the same message differently.
    """
    for locale in LOCALES:
        fragments = sorted((SOURCE / locale).glob("*.po"))
        merged = Catalog(locale=locale)
        for fragment in fragments:
            with fragment.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            for message in catalog:
                if not message.id:
                    continue
                known = merged.get(message.id)
                if known is not None and known.string and known.string != message.string:
                    raise ValueError(
                        f"{fragment.name} translates {message.id!r} differently from another "
                        f"{locale} fragment: keep one translation."
                    )
                merged.add(message.id, message.string)
        out = target / locale / "LC_MESSAGES" / "messages.mo"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as handle:
            write_mo(handle, merged)
    return target


def select_locale() -> str:
    """Pick the interface language: the user's choice, the session's, the browser's."""
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    from flask import current_app

    best = request.accept_languages.best_match(LOCALES) if request else None
    return best or current_app.config["DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    """Compile the catalogs into the instance and bind Flask-Babel to ``app``."""
    target = compile_catalogs(Path(app.instance_path) / ".translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def languages() -> dict[str, object]:
        from flask_babel import get_locale

        return {"LANGUAGE_NAMES": LANGUAGE_NAMES, "current_locale": str(get_locale())}
