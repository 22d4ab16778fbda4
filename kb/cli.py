"""The ``kb`` command line: instance set-up, users, tokens, serving; more groups join here.

Commands build the application with :func:`kb.create_app` (settings, database) and reach
the content and index through the same :class:`~kb.services.KnowledgeBase` as the views.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask

from kb.config import ROLES

if TYPE_CHECKING:
    from kb.services import KnowledgeBase


def _app() -> Flask:
    """Create the application for a command, turning configuration errors into usage errors."""
    from kb import create_app
    from kb.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


class _Commands(click.Group):
    """The ``kb`` group: any error a command did not expect ends as one clear line.

    A refused input (``ValueError`` and the domain errors derived from it, such as a
    search query that is too long) prints its message; anything else prints its type and
    message. Both exit with status 1. ``KB_DEBUG=1`` shows the traceback instead.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("KB_DEBUG") == "1":
                raise
            from articles.errors import ArticleError

            if isinstance(exc, ValueError | ArticleError):
                message = str(exc)
            else:
                message = f"{type(exc).__name__}: {exc} (KB_DEBUG=1 shows the traceback)"
            raise click.ClickException(" ".join(message.split())) from exc


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Knowledge base of the Unified Contact Center 1414.

    The instance folder is KB_HOME (default ./instance).
    """


def write_instance_config(home: Path) -> bool:
    """Create ``config.toml`` with a random secret key if the instance has none.

    :returns: whether a file was written.
    """
    path = home / "config.toml"
    if path.exists():
        return False
    home.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Instance settings of the 1414 knowledge base; see README for every setting.\n"
        f'SECRET_KEY = "{secrets.token_hex(32)}"\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    return True


@main.command("init")
@click.option("--demo", is_flag=True, help="Load the bundled sample articles and a demo admin.")
def init_command(demo: bool) -> None:
    """Create the instance: settings, database, content repository, index."""
    from kb import instance_home
    from kb.demo_setup import create_demo_admin
    from kb.demo_setup import load_demo_content

    home = instance_home()
    if write_instance_config(home):
        click.echo(f"Wrote {home / 'config.toml'} with a new secret key.")
    app = _app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=app.extensions["migrate"].directory)
        kb = app.extensions["kb"]
        kb.store  # noqa: B018 - creates the content repository if missing
        click.echo(f"Instance ready in {home}.")
        if demo:
            count = load_demo_content(kb)
            click.echo(f"Loaded and published {count} demo articles.")
            password = create_demo_admin()
            if password:
                click.echo(
                    "Demo administrator: user 'admin', password "
                    f"'{password}' (shown only now; change it in Users)."
                )


@main.command("serve")
@click.option("--host", default=None, help="Address to listen on (setting HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (setting PORT).")
@click.option("--workers", type=int, default=None, help="Worker processes (setting WORKERS).")
def serve_command(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web application with gunicorn (not the Flask development server)."""
    from kb.server import serve
    from kb.server import startup_line

    app = _app()
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    workers = workers or app.config["WORKERS"]
    click.echo(
        startup_line(host, port, workers, app.config["THREADS"], app.config["COOKIE_SECURE"]),
        err=True,
    )
    serve(app, host, port, workers, app.config["THREADS"])


@main.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLES),
    help="A role; repeat for several.",
)
@click.option("--full-name", default="", help="Display name.")
@click.option("--email", default="", help="E-mail, used as git author address.")
def user_add(name: str, roles: tuple[str, ...], full_name: str, email: str) -> None:
    """Create user NAME; the password comes from KB_PASSWORD or a prompt."""
    from sqlalchemy import select

    from kb.accounts import AccountError
    from kb.accounts import check_account
    from kb.accounts import check_password
    from kb.models import User
    from kb.models import db

    try:
        check_account(name, full_name, email)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    password = os.environ.get("KB_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        check_password(password, user_inputs=(name, full_name, email))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    app = _app()
    with app.app_context():
        if db.session.scalar(select(User).where(User.name == name)):
            raise click.ClickException(f"User {name!r} already exists: choose another name.")
        user = User(name=name, full_name=full_name, email=email)
        user.set_password(password)
        user.set_roles(set(roles))
        db.session.add(user)
        db.session.commit()
        click.echo(f"Created user {name} with roles {', '.join(sorted(roles))}.")


@main.group("token")
def token_group() -> None:
    """Manage API tokens for integrations (CRM, softphone)."""


@token_group.command("add")
@click.argument("user")
@click.option("--label", default="", help="What the token is for.")
def token_add(user: str, label: str) -> None:
    """Print a new API token for USER (shown once; only its hash is stored)."""
    from sqlalchemy import select

    from kb.models import ApiToken
    from kb.models import User
    from kb.models import db

    app = _app()
    with app.app_context():
        row = db.session.scalar(select(User).where(User.name == user))
        if row is None:
            raise click.ClickException(f"No user {user!r}: create it with `kb user add`.")
        token, clear = ApiToken.issue(row, label)
        db.session.add(token)
        db.session.commit()
        click.echo(clear)
        click.echo(
            f"Token {token.id} for {user}; revoke with `kb token revoke {token.id}`.", err=True
        )


@token_group.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID at once."""
    from kb.models import ApiToken
    from kb.models import db
    from kb.models import utcnow

    app = _app()
    with app.app_context():
        row = db.session.get(ApiToken, token_id)
        if row is None:
            raise click.ClickException(f"No token {token_id}: see `kb token list`.")
        row.revoked = row.revoked or utcnow()
        db.session.commit()
        click.echo(f"Token {token_id} revoked.")


@token_group.command("list")
def token_list() -> None:
    """List tokens: id, user, label, created, revoked."""
    from sqlalchemy import select

    from kb.models import ApiToken
    from kb.models import db

    app = _app()
    with app.app_context():
        for row in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
            state = f"revoked {row.revoked:%Y-%m-%d}" if row.revoked else "active"
            click.echo(f"{row.id}\t{row.user.name}\t{row.label}\t{row.created:%Y-%m-%d}\t{state}")


@main.command("publish-due")
def publish_due_command() -> None:
    """Publish articles scheduled for a date that has come (for cron)."""
    from kb.notifications.jobs import scheduled_hook
    from kb.scheduler import run_once

    app = _app()
    click.get_current_context().call_on_close(app.extensions["kb"].close)
    done = run_once(app.extensions["kb"])
    click.echo(f"Published {len(done)} scheduled article(s).")
    for lang, slug in done:
        click.echo(f"  {lang}/{slug}")
    scheduled_hook(app)(done)


@main.command("notify")
def notify_command() -> None:
    """Make the review-by reminders that are due and retry unsent e-mails (for cron)."""
    from kb.notifications.jobs import run_round

    done = run_round(_app())
    click.echo(f"Made {done['reminders']} review-by reminder(s); sent {done['mailed']} e-mail(s).")


@main.group("db")
def db_group() -> None:
    """Database schema migrations."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (also done by `kb init`)."""
    from flask_migrate import upgrade

    app = _app()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        click.echo("Database schema is up to date.")


def run() -> None:
    """Entry point used by ``python -m kb``."""
    sys.exit(main())


def _knowledge_base() -> KnowledgeBase:
    """The service object of the configured instance, closed when the command ends."""
    from kb.services import KnowledgeBase

    kb = KnowledgeBase.from_config(_app().config)
    # A command ends when its work does: vectors are refreshed in the foreground
    # (`kb index embed`, `kb index rebuild`), never by a thread the exit would kill.
    kb.options = {**kb.options, "vectors_in_background": False}
    click.get_current_context().call_on_close(kb.close)
    return kb


@main.group("index")
def index_group() -> None:
    """The search index (derived from the published content)."""


@index_group.command("rebuild")
def index_rebuild() -> None:
    """Rebuild the index from the published content."""
    kb = _knowledge_base()
    count, seconds = kb.rebuild_index(procs=os.cpu_count() or 1)
    click.echo(f"Indexed {count} items in {seconds:.1f} s.")
    if kb.semantic is not None:
        _embed(kb)


@index_group.command("embed")
def index_embed() -> None:
    """Compute the semantic stage's article vectors now, with a progress bar.

    Only new or changed articles are embedded (vectors are cached by content hash); the
    first run over a large knowledge base takes long (about a second per passage on a
    busy machine), and servers keep searching lexically meanwhile.
    """
    kb = _knowledge_base()
    if kb.semantic is None:
        raise click.ClickException(
            "the semantic stage is off: set KB_SEMANTIC=on (or semantic = true in "
            "config.toml) to use it"
        )
    _embed(kb)


def _embed(kb: KnowledgeBase) -> None:
    """Refresh the vectors with a progress bar and print what was done."""
    with click.progressbar(length=1, label="Embedding articles") as bar:

        def plan(total: int) -> None:
            bar.length = max(total, 1)

        report = kb.refresh_vectors(progress=bar.update, on_plan=plan)
    assert report is not None
    click.echo(
        f"Vectors: {report.items} items, {report.changed} new or changed, {report.removed} "
        f"removed; {report.embedded} of {report.passages} passages embedded "
        f"(the rest from the cache) in {report.seconds:.1f} s."
    )


@index_group.command("prepare")
def index_prepare() -> None:
    """Build an index generation beside the live one, without switching to it.

    Run it with the new version's code before restarting after an upgrade that changes
    the index schema: the restarted server switches to the prepared generation and
    catches it up instead of rebuilding while nothing is searchable.
    """
    kb = _knowledge_base()
    count, seconds = kb.rebuild_index(procs=os.cpu_count() or 1, switch=False)
    click.echo(f"Prepared a generation of {count} items in {seconds:.1f} s.")


@index_group.command("check")
@click.option("--repair/--no-repair", default=True, help="Fix drift found (default: yes).")
def index_check(repair: bool) -> None:
    """Compare the index with the published content; repair drift."""
    kb = _knowledge_base()
    report = kb.check_index(repair=repair)
    click.echo(
        f"missing {len(report.missing)}, stale {len(report.stale)}, extra {len(report.extra)}"
        + (" — repaired" if repair and not report.clean else "")
    )
    if not report.clean and not repair:
        raise SystemExit(1)


@main.command("search")
@click.option("--lang", type=click.Choice(["kk", "ru", "en"]), default=None)
@click.option("--limit", type=click.IntRange(1, 100), default=10)
@click.option("--json", "as_json", is_flag=True, help="Print JSON results.")
@click.argument("query")
def search_command(lang: str | None, limit: int, as_json: bool, query: str) -> None:
    """Search as the operator would. QUERY '-' reads one query a line from stdin."""
    import json

    kb = _knowledge_base()

    def run(text: str) -> list[dict[str, object]]:
        found = kb.search(text, lang=lang, limit=limit, settled=True)
        return [hit.as_dict() for hit in found.hits]

    if query == "-":
        for line in sys.stdin:
            click.echo(json.dumps(run(line.rstrip("\n")), ensure_ascii=False))
        return
    results = run(query)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    if not results:
        click.echo("Nothing found.")
    for number, hit in enumerate(results, 1):
        click.echo(f"{number}. [{hit['lang']}] {hit['title']}  ({hit['score']:.2f})  {hit['url']}")


@main.command("analyze")
@click.option("--lang", type=click.Choice(["kk", "ru"]), required=True)
@click.argument("text")
def analyze_command(lang: str, text: str) -> None:
    """Print the index terms of TEXT, one a line. TEXT '-' reads lines from stdin."""
    from search.analysis import analyze

    if text == "-":
        for line in sys.stdin:
            click.echo(" ".join(analyze(lang, line.rstrip("\n"))))
        return
    for term in analyze(lang, text):
        click.echo(term)


@main.command("import")
@click.argument(
    "fmt", metavar="FORMAT", type=click.Choice(["markdown", "html", "docx", "csv", "xlsx"])
)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish what was imported (default: drafts).")
@click.option("--lang", type=click.Choice(["kk", "ru"]), default=None, help="Skip detection.")
@click.option("--category", default=None, help="Category for articles that name none.")
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--user", "user_name", default="admin", help="Who the import is attributed to.")
def import_command(
    fmt: str,
    path: Path,
    publish: bool,
    lang: str | None,
    category: str | None,
    dry_run: bool,
    user_name: str,
) -> None:
    """Import FORMAT content from PATH as drafts (or published with --publish)."""
    from articles.model import Actor
    from importers.run import ImportAborted
    from kb.accounts import user_name_problem

    problem = user_name_problem(user_name)
    if problem:
        raise click.ClickException(f"--user: {problem}")
    kb = _knowledge_base()
    actor = Actor(name=user_name, email=f"{user_name}@kb.local")
    with click.progressbar(length=1, label="Importing") as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            report = kb.import_content(
                fmt,
                path,
                actor=actor,
                lang=lang,
                category=category,
                publish=publish,
                dry_run=dry_run,
                progress=progress,
            )
        except ImportAborted as exc:
            click.echo(exc.report.summary(), err=True)
            raise click.ClickException(f"{exc} Nothing was written.") from exc
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(report.summary())


@main.group("course")
def course_group() -> None:
    """Training courses built from articles (trainers edit them on /-/courses)."""


@course_group.command("list")
@click.option(
    "--line",
    type=click.Choice(["published", "draft"]),
    default="published",
    help="Which line to list (default: published).",
)
def course_list(line: str) -> None:
    """List courses: id, languages, modules, questions, title."""
    from articles.courses import localized

    found = _knowledge_base().courses(line=line)
    if not found:
        click.echo(f"No course on the {line} line.")
    for course in found:
        questions = sum(1 for _q in course.questions())
        title = localized(course.title, course.languages[0] if course.languages else "ru")
        click.echo(
            f"{course.id}\t{','.join(course.languages)}\t{len(course.modules)} modules\t"
            f"{questions} questions\t{title}"
        )


@course_group.command("export")
@click.argument("course_id", metavar="ID")
@click.option(
    "--format", "fmt", type=click.Choice(["html", "markdown"]), required=True, help="Output."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="File (html), or folder / .zip file (markdown).",
)
@click.option("--lang", type=click.Choice(["kk", "ru"]), default=None, help="One language only.")
@click.option(
    "--line", type=click.Choice(["published", "draft"]), default="published", help="Version."
)
def course_export_command(course_id: str, fmt: str, out: Path, lang: str | None, line: str) -> None:
    """Export course ID as a printable HTML handout or a Markdown bundle."""
    from articles.errors import ArticleError
    from kb.training import export as course_export

    app = _app()
    kb = app.extensions["kb"]
    with app.test_request_context():
        try:
            course = kb.course(course_id, line=line)
        except ArticleError as exc:
            raise click.ClickException(
                f"{exc.message} List the courses with `kb course list --line {line}`."
            ) from exc
        langs = course_export.course_languages(course, lang)
        if fmt == "html":
            if out.is_dir():
                out = out / f"{course.id}.html"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(course_export.handout_html(kb, course, langs), encoding="utf-8")
            written = out
        else:
            files = course_export.markdown_bundle(kb, course, langs)
            written = course_export.write_bundle(files, out, course.id)
    click.echo(f"Wrote {written}")
