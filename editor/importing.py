"""The import upload page: a file in, the importer's report out.

The upload is saved to a temporary folder under its own (sanitised) name and handed to
:meth:`kb.services.KnowledgeBase.import_content`. A ``.zip`` for the Markdown importer
is unpacked there first (entries escaping the folder, and oversized archives, are
refused). Publishing at import bypasses review, so only administrators may tick it.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
import zipfile
from pathlib import Path
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from typing import Any

from flask import current_app
from flask import render_template
from flask import request
from flask import session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from articles.model import CATEGORIES
from editor import WRITERS
from editor import bp
from editor.import_text import ImportMessage
from editor.import_text import problem_line
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
                raise UploadError(
                    _(
                        "The zip holds %(n)s files; at most %(max)s.",
                        n=len(infos),
                        max=MAX_ZIP_FILES,
                    )
                )
            if sum(i.file_size for i in infos) > MAX_UNZIPPED:
                raise UploadError(_("The zip unpacks to more than 200 MB: split it."))
            for info in infos:
                name = PurePosixPath(info.filename.replace("\\", "/"))
                if name.is_absolute() or ".." in name.parts:
                    raise UploadError(
                        _("The zip entry %(name)s leaves its folder.", name=info.filename[:80])
                    )
                if info.is_dir():
                    continue
                dest = target.joinpath(*name.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, dest.open("wb") as out:
                    out.write(src.read(MAX_UNZIPPED + 1))
    except zipfile.BadZipFile:
        raise UploadError(_("The file is not a valid zip archive.")) from None
    return target


def _accept() -> dict[str, str]:
    return {name: ",".join(suffixes) for name, suffixes in SUFFIXES.items()} | {
        "markdown": ",".join((*SUFFIXES["markdown"], ".zip"))
    }


#: Seconds a dry run's file is kept for the real import that follows it.
STAGING_SECONDS = 3600


def _staging_root() -> Path:
    return Path(current_app.instance_path) / "import-staging"


def _clean_staging(now: float) -> None:
    """Remove files of dry runs older than :data:`STAGING_SECONDS`."""
    root = _staging_root()
    if not root.is_dir():
        return
    for folder in root.iterdir():
        try:
            if now - folder.stat().st_mtime > STAGING_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def _staged_file() -> Path | None:
    """The file this user's last dry run checked, if the form asks for it and it is kept."""
    token = request.form.get("staged", "")
    staged = session.get("import_staged") or {}
    if not token or token != staged.get("token") or not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    path = _staging_root() / token / secure_filename(str(staged.get("filename", "")))
    return path if path.is_file() else None


def _stage(upload: Any) -> Path:
    """Keep an uploaded file for the import that may follow its dry run."""
    filename = secure_filename(getattr(upload, "filename", "") or "")
    token = secrets.token_hex(16)
    folder = _staging_root() / token
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    upload.save(path)
    session["import_staged"] = {"token": token, "filename": filename}
    return path


@bp.route("/import", methods=["GET", "POST"])
@role_required(*WRITERS)
def import_upload() -> ResponseReturnValue:
    """Upload a file, choose format and options, run the importer, show its report.

    A dry run keeps the file (for an hour, for this user only), so "Import it now" after
    it needs no second pick of the file.
    """
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
    staged_token = ""
    staged_name = ""
    status = 200
    if request.method == "POST":
        _clean_staging(time.time())
        upload = request.files.get("file")
        source: Path | None = None
        try:
            if upload and upload.filename:
                _check_upload(upload, str(options["fmt"]))
                source = _stage(upload)
            else:
                source = _staged_file()
                if source is None:
                    raise UploadError(_("Choose a file to upload."))
            report, prefix = _run(source, options)
        except (UploadError, ValueError) as exc:
            error = str(exc)
            status = 400
        except ImportAborted as exc:
            error = _(
                "The import was not written; nothing changed. Fix the cause and run it again."
            )
            report = exc.report
            status = 409
        if source is not None and report is not None and report.dry_run:
            staged_token = source.parent.name
            staged_name = source.name
        elif source is not None and status == 200:
            shutil.rmtree(source.parent, ignore_errors=True)
            session.pop("import_staged", None)
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
            staged=staged_token,
            staged_name=staged_name,
            problems=_problems(report, prefix) if report else {},
        ),
        status,
    )


def _problems(report: ImportReport, prefix: str) -> dict[str, list[ImportMessage]]:
    """The report's skipped inputs and conflicts as translated lines."""
    skipped = [
        problem_line(p.origin.path, p.origin.line, p.origin.unit, p.message, prefix)
        for p in report.skipped
    ]
    conflicts = [
        problem_line(e.origin.path, e.origin.line, e.origin.unit, e.reason, prefix)
        for e in report.conflicts
    ]
    return {"skipped": skipped, "conflicts": conflicts}


def _check_upload(upload: Any, fmt: str) -> None:
    """Refuse an upload whose format or name does not fit before keeping it."""
    if fmt not in SUFFIXES:
        raise UploadError(_("Choose a format from the list."))
    filename = secure_filename(getattr(upload, "filename", "") or "")
    if not filename:
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


def _run(saved: Path, options: dict[str, object]) -> tuple[ImportReport, str]:
    """Run the importer on the kept upload; return its report and the temporary prefix."""
    fmt = str(options["fmt"])
    filename = saved.name
    suffix = saved.suffix.lower()
    allowed = SUFFIXES.get(fmt, ()) + ((".zip",) if fmt == "markdown" else ())
    if fmt not in SUFFIXES or suffix not in allowed:
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
        path = Path(tmp) / filename
        shutil.copyfile(saved, path)
        if suffix == ".zip":
            path = unpack_zip(path, Path(tmp) / Path(filename).stem)
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
