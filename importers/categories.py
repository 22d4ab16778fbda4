"""Map the category labels found in sources (egov.kz portal sections, in Russian or Kazakh)
to the knowledge base's category codes (docs/content-format.md)."""

from __future__ import annotations

from articles.model import CATEGORIES

# Lower-cased labels of egov.kz's portal sections (ru and kk) and common synonyms.
_LABELS = {
    "семья": "family",
    "отбасы": "family",
    "таможня и налоги": "taxes",
    "налоги": "taxes",
    "кеден және салықтар": "taxes",
    "салықтар": "taxes",
    "образование": "education",
    "білім": "education",
    "білім беру": "education",
    "социальное обеспечение": "social",
    "әлеуметтік қамсыздандыру": "social",
    "трудоустройство и занятость": "social",
    "жұмысқа орналасу және жұмыспен қамту": "social",
    "пенсия": "pension",
    "зейнетақы": "pension",
    "недвижимость": "property",
    "жылжымайтын мүлік": "property",
    "транспорт и коммуникации": "transport",
    "көлік және коммуникациялар": "transport",
    "транспорт": "transport",
    "көлік": "transport",
    "здравоохранение": "health",
    "денсаулық сақтау": "health",
    "гражданство, миграция и иммиграция": "documents",
    "азаматтық, көші-қон және иммиграция": "documents",
    "консульские услуги": "documents",
    "консулдық қызметтер": "documents",
    "документы": "documents",
    "құжаттар": "documents",
    "бизнес": "business",
    "предпринимательство": "business",
    "кәсіпкерлік": "business",
    "эцп": "digital-signature",
    "эцқ": "digital-signature",
    "жалобы": "complaints",
    "шағымдар": "complaints",
}


def category_code(label: str) -> str | None:
    """Return the category code for a code or a known ru/kk label, else ``None``.

    :param label: ``"family"``, ``"Семья"``, ``"Отбасы"``...
    :returns: the code, or ``None`` when the label is unknown.
    """
    key = " ".join(label.split()).lower()
    if key in CATEGORIES:
        return key
    return _LABELS.get(key)
