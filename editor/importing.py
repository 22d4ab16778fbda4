"""The import upload page: a file in, the importer's report out.

The upload is saved to a temporary folder under its own (sanitised) name and handed to
:meth:`kb.services.KnowledgeBase.import_content`. A ``.zip`` for the Markdown importer
is unpacked there first (entries escaping the folder, and oversized archives, are
refused). Publishing at import bypasses review, so only administrators may tick it.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from articles.model import CATEGORIES
from editor import WRITERS
from editor import bp
from editor.views import audit
from importers.registry import SUFFIXES
from importers.run import ImportAborted
from kb.web import current_actor
from kb.web import get_kb
from kb.web import role_required

if TYPE_CHECKING:
    from importers.run import ImportReport

#: Largest total size of the files unpacked from one zip (bytes).
MAX_UNZIPPED = 200 * 1024 * 1024
#: Most files one zip may hold.
MAX_ZIP_FILES = 20_000


class UploadError(ValueError):
    """The uploaded file cannot be imported; the message says why and what to do."""


def unpack_zip(archive: Path, target: Path) -> Path:
    """Unpack a zip of Markdown files into ``target`` safely.

    :param archive: the uploaded zip.
    :param target: an empty folder.
    :returns: ``target``.
    :raises UploadError: for a broken zip, a path leaving the folder, or too much data.
    """
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_FILES:
                raise UploadError(f"The zip holds {len(infos)} files; at most {MAX_ZIP_FILES}.")
            if sum(i.file_size for i in infos) > MAX_UNZIPPED:
                raise UploadError("The zip unpacks to more than 200 MB: split it.")
            for info in infos:
                name = PurePosixPath(info.filename.replace("\\", "/"))
                if name.is_absolute() or ".." in name.parts:
                    raise UploadError(f"The zip entry {info.filename[:80]!r} leaves its folder.")
                if info.is_dir():
                    continue
                dest = target.joinpath(*name.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, dest.open("wb") as out:
                    out.write(src.read(MAX_UNZIPPED + 1))
    except zipfile.BadZipFile:
        raise UploadError("The file is not a valid zip archive.") from None
    return target


def _accept() -> dict[str, str]:
    return {name: ",".join(suffixes) for name, suffixes in SUFFIXES.items()} | {
        "markdown": ",".join((*SUFFIXES["markdown"], ".zip"))
    }


@bp.route("/import", methods=["GET", "POST"])
@role_required(*WRITERS)
def import_upload() -> ResponseReturnValue:
    """Upload a file, choose format and options, run the importer, show its report."""
    may_publish = current_user.has_role("admin")
    options = {
        "fmt": request.form.get("fmt", "csv"),
        "lang": request.form.get("lang", ""),
        "category": request.form.get("category", ""),
        "publish": bool(request.form.get("publish")) and may_publish,
        "dry_run": bool(request.form.get("dry_run")) if request.method == "POST" else True,
    }
    report = error = None
    prefix = ""
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            report, prefix = _run(upload, options)
        except (UploadError, ValueError) as exc:
            error = str(exc)
            status = 400
        except ImportAborted as exc:
            error = str(exc)
            report = exc.report
            status = 409
    return (
        render_template(
            "editor/import.html",
            formats=list(SUFFIXES),
            accept=_accept(),
            options=options,
            may_publish=may_publish,
            report=report,
            prefix=prefix,
            error=error,
            categories=CATEGORIES,
        ),
        status,
    )


def _run(upload: object, options: dict[str, object]) -> tuple[ImportReport, str]:
    """Save the upload, run the importer, return its report and the temporary prefix."""
    fmt = str(options["fmt"])
    if fmt not in SUFFIXES:
        raise UploadError(_("Choose a format from the list."))
    filename = secure_filename(getattr(upload, "filename", "") or "")
    if not upload or not filename:
        raise UploadError(_("Choose a file to upload."))
    suffix = Path(filename).suffix.lower()
    allowed = SUFFIXES[fmt] + ((".zip",) if fmt == "markdown" else ())
    if suffix not in allowed:
        raise UploadError(
            _(
                "The file %(name)s does not match the format %(fmt)s: expected %(suffixes)s.",
                name=filename,
                fmt=fmt,
                suffixes=", ".join(allowed),
            )
        )
    lang = str(options["lang"]) or None
    category = str(options["category"]) or None
    with tempfile.TemporaryDirectory(prefix="kb-import-") as tmp:
        saved = Path(tmp) / filename
        upload.save(saved)  # type: ignore[attr-defined]
        path = saved
        if suffix == ".zip":
            path = unpack_zip(saved, Path(tmp) / Path(filename).stem)
        report = get_kb().import_content(
            fmt,
            path,
            actor=current_actor(),
            lang=lang,
            category=category,
            publish=bool(options["publish"]),
            dry_run=bool(options["dry_run"]),
        )
    if not report.dry_run:
        audit(
            "import",
            filename,
            f"{fmt}: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.conflicts)} conflicts, {len(report.skipped)} skipped",
        )
    return report, tmp + "/"
