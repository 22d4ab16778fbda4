"""Course and quiz validation messages in the interface language.

:mod:`articles.courses` refuses a course with an :class:`~articles.courses.InvalidCourse`
(or a :class:`~articles.courses.CoursePartNotFound`) that carries a stable ``code``, its
``params``, the ``place`` in the course and the offending ``field`` (the YAML key); its
English ``message`` is for the CLI. The trainers' pages show the sentence from here: the
place, the problem and the fix, with the field named as the course forms label it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from articles.courses import Place
from articles.errors import ArticleError
from kb.messages import Catalogue
from kb.messages import Sentence

# Code → translated sentence; ``p`` holds the error's params plus ``label`` (the field as
# the form labels it). Keep the keys equal to ``articles.courses.COURSE_ERRORS``.
_SENTENCES: dict[str, Sentence] = {
    "not_text": lambda p: _(
        "«%(label)s» must be text: write it as a plain line.", label=p["label"]
    ),
    "empty": lambda p: _("«%(label)s» is empty: fill it in.", label=p["label"]),
    "langs_not_split": lambda p: _(
        "«%(label)s» must be given separately in Kazakh and in Russian: write {kk: ..., ru: ...}.",
        label=p["label"],
    ),
    "langs_not_mapping": lambda p: _(
        "«%(label)s» must be given separately in Kazakh and in Russian: write {kk: ..., ru: ...}.",
        label=p["label"],
    ),
    "unknown_language": lambda p: _(
        "«%(label)s» has the unknown language %(lang)s: use kk or ru.",
        label=p["label"],
        lang=p.get("lang", ""),
    ),
    "langs_missing": lambda p: _(
        "«%(label)s» is missing: give it in Kazakh and in Russian.", label=p["label"]
    ),
    "unknown_fields": lambda p: _(
        "Unknown field(s) %(fields)s: remove them or correct the spelling. Allowed: %(allowed)s.",
        fields=p.get("fields", ""),
        allowed=p.get("allowed", ""),
    ),
    "bad_article": lambda p: _(
        "«%(label)s»: «%(article)s» is not a language and an article id: write it like "
        "ru/passport, or pick the article from the list.",
        label=p["label"],
        article=p.get("article", ""),
    ),
    "bad_revision": lambda p: _(
        "«%(label)s»: «%(revision)s» is neither a version id nor «published»: write published "
        "to pin the current published version.",
        label=p["label"],
        revision=p.get("revision", ""),
    ),
    "item_not_mapping": lambda p: _(
        "An item must be an article or a note: write «article: ru/slug» or «note: ...»."
    ),
    "unknown_note_language": lambda p: _(
        "«%(label)s»: the note language %(lang)s is unknown: use kk or ru, or leave it empty "
        "for every language.",
        label=p["label"],
        lang=p.get("lang", ""),
    ),
    "item_kind": lambda p: _("The item is neither an article nor a note: add «article» or «note»."),
    "question_not_mapping": lambda p: _(
        "A question must be a mapping: give its id, kind, question text and right answers."
    ),
    "question_id": lambda p: _(
        "«%(label)s»: «%(id)s» is not allowed: use lowercase latin letters, digits and hyphens.",
        label=p["label"],
        id=p.get("id", ""),
    ),
    "unknown_kind": lambda p: _(
        "«%(label)s»: the kind %(kind)s is unknown: choose multiple choice or short answer.",
        label=p["label"],
        kind=p.get("kind", ""),
    ),
    "question_lang": lambda p: _(
        "The question's language differs from its article's: link an article in the "
        "question's language."
    ),
    "no_correct": lambda p: _(
        "«%(label)s» is empty: the question has no right answer. Add the right option(s), or "
        "the accepted short answers.",
        label=p["label"],
    ),
    "not_lists": lambda p: _(
        "«%(label)s» and the right answers must be lists: write one a line.", label=p["label"]
    ),
    "few_options": lambda p: _(
        "«%(label)s»: a multiple choice question needs at least two different options: add "
        "options.",
        label=p["label"],
    ),
    "correct_not_option": lambda p: _(
        "«%(label)s»: the answer «%(answer)s» is not one of the options: copy the option text "
        "exactly.",
        label=p["label"],
        answer=p.get("answer", ""),
    ),
    "short_options": lambda p: _(
        "«%(label)s»: a short answer question has no options: leave the options empty, or "
        "make it multiple choice.",
        label=p["label"],
    ),
    "accept_not_list": lambda p: _(
        "«%(label)s» must be a list: write one a line.", label=p["label"]
    ),
    "accept_not_short": lambda p: _(
        "«%(label)s» are for short answers only: leave them empty, or make the question a "
        "short answer.",
        label=p["label"],
    ),
    "not_mapping": lambda p: _(
        "The course file must be a YAML mapping: start it with «id:» and «title:»."
    ),
    "invalid_id": lambda p: _(
        "«%(label)s»: «%(id)s» is not allowed: use lowercase latin letters, digits and hyphens "
        "(e.g. new-operators).",
        label=p["label"],
        id=p.get("id", ""),
    ),
    "id_differs": lambda p: _(
        "«%(label)s»: «%(id)s» differs from this course's id: write %(expected)s.",
        label=p["label"],
        id=p.get("id", ""),
        expected=p.get("expected", ""),
    ),
    "languages": lambda p: _("«%(label)s»: choose Kazakh, Russian or both.", label=p["label"]),
    "modules_not_list": lambda p: _(
        "«%(label)s» must be a list: start each module with «- id: ...».", label=p["label"]
    ),
    "module_not_mapping": lambda p: _("A module must be a mapping: give its id, title and items."),
    "module_id": lambda p: _(
        "«%(label)s»: «%(id)s» is not allowed: use lowercase latin letters, digits and hyphens.",
        label=p["label"],
        id=p.get("id", ""),
    ),
    "duplicate_module": lambda p: _(
        "«%(label)s»: the course already has a module with this id: give every module its own id.",
        label=p["label"],
    ),
    "duplicate_question": lambda p: _(
        "«%(label)s»: the course already has a question with this id: give every question of "
        "the course its own id.",
        label=p["label"],
    ),
    "yaml_alias": lambda p: _(
        "The file uses a YAML anchor or alias (& or *) on line %(line)s: write the values out.",
        line=p.get("line", ""),
    ),
    "yaml_deep": lambda p: _(
        "The file nests lists or mappings more than %(depth)s levels deep on line %(line)s: "
        "write the values out.",
        depth=p.get("depth", ""),
        line=p.get("line", ""),
    ),
    "yaml_syntax": lambda p: (
        _("The file is not valid YAML near line %(line)s: correct it.", line=p["line"])
        if p.get("line")
        else _("The file is not valid YAML: correct it.")
    ),
    "article_unpublished": lambda p: _(
        "«%(label)s»: the article %(article)s is not published: publish it first, or remove "
        "it from the course.",
        label=p["label"],
        article=p.get("article", ""),
    ),
    "article_missing": lambda p: _(
        "«%(label)s»: the article %(article)s does not exist: pick a published article, or "
        "remove it from the course.",
        label=p["label"],
        article=p.get("article", ""),
    ),
    "revision_unpublished": lambda p: _(
        "«%(label)s»: %(revision)s is not a published version of %(article)s: pick one from "
        "the article's history, or write published.",
        label=p["label"],
        revision=p.get("revision", ""),
        article=p.get("article", ""),
    ),
    "reserved_id": lambda p: _(
        "«%(label)s»: the id %(id)s is reserved: choose another id.",
        label=p["label"],
        id=p.get("id", ""),
    ),
    "course_exists": lambda p: _(
        "«%(label)s»: a course %(id)s already exists: open it, or choose another id.",
        label=p["label"],
        id=p.get("id", ""),
    ),
    "empty_note": lambda p: _(
        "«%(label)s» of the note is empty: write the note's text.", label=p["label"]
    ),
    "pick_article": lambda p: _(
        "«%(text)s» is not a published article. Type words of its title and pick it "
        "from the list, or type its language and id (e.g. ru/passport).",
        text=p.get("article", ""),
    ),
    "no_module": lambda p: _(
        "The course has no module %(module)s (it may have just been removed): reload the page.",
        module=p.get("module", ""),
    ),
    "no_question": lambda p: _(
        "The course has no question %(question)s (it may have just been removed): reload the page.",
        question=p.get("question", ""),
    ),
    "module_lacks_article": lambda p: _(
        "The module %(module)s does not hold the article %(article)s (it may have just been "
        "removed): reload the page.",
        module=p.get("module", ""),
        article=p.get("article", ""),
    ),
}
#: The course refusals' sentences, by code.
TEXTS = Catalogue(_SENTENCES)


def _both(first: str, second: str) -> str:
    return f"{first} / {second}"


def field_label(name: str | None, place: Place) -> str:
    """A course field (YAML key) as the course forms label it.

    :param name: ``id``, ``title``, ``title.kk``, ``correct`` ...
    :param place: where in the course (an ``id`` is the course's, a module's or a question's).
    :returns: the translated label; an unknown key (a misspelt YAML field) as written.
    """
    in_question = place.question is not None or bool(place.question_id)
    in_module = bool(place.module) or place.module_number is not None
    labels: dict[str, Callable[[], str]] = {
        "title.kk": lambda: _("Title in Kazakh"),
        "title.ru": lambda: _("Title in Russian"),
        "title": lambda: _both(_("Title in Kazakh"), _("Title in Russian")),
        "description.kk": lambda: _("Description in Kazakh"),
        "description.ru": lambda: _("Description in Russian"),
        "description": lambda: _both(_("Description in Kazakh"), _("Description in Russian")),
        "languages": lambda: _("Languages"),
        "audience": lambda: _("Audience"),
        "modules": lambda: _("Modules"),
        "kind": lambda: _("Kind"),
        "prompt": lambda: _("Question"),
        "options": lambda: _("Options, one a line (multiple choice)"),
        "correct": lambda: _("Right answers, one a line"),
        "accept": lambda: _("Accepted variants"),
        "explanation": lambda: _("Explanation shown after answering"),
        "note": lambda: _("Text"),
        "text": lambda: _("Text"),
        "revision": lambda: _("Version"),
        "lang": lambda: _("Language") if in_question else _("Shown in"),
        "article": lambda: _("Article that answers it") if in_question else _("Published article"),
    }
    if not name:
        return ""
    if name == "id":
        if in_question:
            return _("Question id")
        if in_module:
            return _("Module id (latin letters, digits, hyphens)")
        return _("Course id (latin letters, digits, hyphens)")
    label = labels.get(name)
    return label() if label else name


def place_text(place: Place) -> str:
    """Where in the course, translated: ``Module «eds», question 2 (ru-fee)``; empty for the
    course itself."""
    parts = []
    if place.module:
        parts.append(_("Module «%(id)s»", id=place.module))
    elif place.module_number is not None:
        parts.append(_("Module %(number)s", number=place.module_number))
    if place.item is not None:
        parts.append(_("item %(number)s", number=place.item))
    if place.question is not None:
        question = _("question %(number)s", number=place.question)
        if place.question_id:
            question += f" ({place.question_id})"
        parts.append(question)
    elif place.question_id:
        parts.append(_("question «%(id)s»", id=place.question_id))
    return ", ".join(parts)


def course_message(error: ArticleError) -> str:
    """The course error as one translated sentence: the place, the problem and the fix.

    :param error: an :class:`~articles.courses.InvalidCourse`,
        :class:`~articles.courses.CoursePartNotFound`, or another article error (then its
        English message: only course codes are known here).
    :returns: the sentence for the page.
    """
    place = getattr(error, "place", None)
    params = getattr(error, "params", None)
    if error.code not in TEXTS or not isinstance(place, Place) or params is None:
        return error.message
    label = field_label(error.field, place)
    sentence = TEXTS.text(error.code, {**params, "label": label}) or error.message
    where = place_text(place)
    return f"{where}: {sentence}" if where else sentence
