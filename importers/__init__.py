"""Bring existing content into the knowledge base: Markdown folders, HTML pages, DOCX
documents, CSV and XLSX tables (see docs/importers.md).

Readers (one module per format, listed in :mod:`importers.registry`) turn a file or folder
into :class:`importers.base.ImportedArticle` records and :class:`importers.base.ImportProblem`
reports; :func:`importers.run.import_into` writes them to the article store in one commit.
Plain Python: no Flask, no web layer.
"""
