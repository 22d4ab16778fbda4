"""Course progress and quiz answers (tables ``course_progress`` and ``quiz_answers``).

Courses themselves live in the content repository (``articles.courses``); the database
keeps only who read which module and what they answered, against which course version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from articles.courses import Course
from kb.models import User
from kb.models import db
from kb.models import utcnow


class CourseProgress(db.Model):  # type: ignore[name-defined]
    """An operator marked a module of a course as read."""

    __tablename__ = "course_progress"
    __table_args__ = (Index("ix_course_progress_user_course", "user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(80), index=True)
    course_revision: Mapped[str] = mapped_column(String(40))
    module_id: Mapped[str] = mapped_column(String(80))
    when: Mapped[datetime] = mapped_column(default=utcnow)
    user: Mapped[User] = relationship()


class QuizAnswer(db.Model):  # type: ignore[name-defined]
    """One answer to one quiz question (every attempt is kept; the latest counts)."""

    __tablename__ = "quiz_answers"
    __table_args__ = (Index("ix_quiz_answers_user_course", "user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(80), index=True)
    course_revision: Mapped[str] = mapped_column(String(40))
    module_id: Mapped[str] = mapped_column(String(80))
    question_id: Mapped[str] = mapped_column(String(80))
    answer: Mapped[str] = mapped_column(Text, default="")
    correct: Mapped[bool] = mapped_column(default=False)
    when: Mapped[datetime] = mapped_column(default=utcnow)
    user: Mapped[User] = relationship()


@dataclass(frozen=True)
class Progress:
    """One user's standing in one course.

    :param read: ids of modules marked read.
    :param answers: latest answer per question id: ``(answer, correct)``.
    :param total_modules: modules in the course.
    :param total_questions: questions in the course.
    """

    read: frozenset[str]
    answers: dict[str, tuple[str, bool]]
    total_modules: int
    total_questions: int

    @property
    def correct(self) -> int:
        """Questions whose latest answer is right."""
        return sum(1 for _a, ok in self.answers.values() if ok)

    @property
    def percent(self) -> int:
        """Share of modules read and questions answered right, 0-100."""
        total = self.total_modules + self.total_questions
        return round(100 * (len(self.read) + self.correct) / total) if total else 0


@dataclass(frozen=True)
class QuestionResult:
    """How operators did on one question (latest answer per operator)."""

    module_id: str
    question_id: str
    prompt: str
    lang: str
    answered: int
    failed: int

    @property
    def fail_rate(self) -> int:
        """Percent of operators whose latest answer is wrong."""
        return round(100 * self.failed / self.answered) if self.answered else 0


@dataclass(frozen=True)
class OperatorResult:
    """One operator's standing in a course."""

    user: str
    progress: Progress
    last: datetime | None


def mark_read(user: User, course: Course, module_id: str) -> None:
    """Record that ``user`` read a module (once per course version).

    :param user: the reader.
    :param course: the published course (its ``version`` is stored).
    :param module_id: the module.
    :raises articles.errors.ArticleNotFound: if the course has no such module.
    """
    course.module(module_id)
    exists = db.session.scalar(
        select(CourseProgress.id).where(
            CourseProgress.user_id == user.id,
            CourseProgress.course_id == course.id,
            CourseProgress.course_revision == course.version,
            CourseProgress.module_id == module_id,
        )
    )
    if exists is None:
        db.session.add(
            CourseProgress(
                user_id=user.id,
                course_id=course.id,
                course_revision=course.version,
                module_id=module_id,
            )
        )
    db.session.commit()


def record_answers(
    user: User, course: Course, module_id: str, answers: Iterable[tuple[str, str, bool]]
) -> None:
    """Store scored answers and mark the module read (one transaction each).

    :param user: who answered.
    :param course: the published course.
    :param module_id: the module of the quiz.
    :param answers: ``(question id, answer text, correct)`` triples.
    """
    for question_id, answer, correct in answers:
        db.session.add(
            QuizAnswer(
                user_id=user.id,
                course_id=course.id,
                course_revision=course.version,
                module_id=module_id,
                question_id=question_id,
                answer=answer[:2000],
                correct=correct,
            )
        )
    mark_read(user, course, module_id)


def _latest(course: Course, user_id: int | None = None) -> dict[int, dict[str, QuizAnswer]]:
    query = select(QuizAnswer).where(QuizAnswer.course_id == course.id).order_by(QuizAnswer.id)
    if user_id is not None:
        query = query.where(QuizAnswer.user_id == user_id)
    latest: dict[int, dict[str, QuizAnswer]] = defaultdict(dict)
    for row in db.session.scalars(query):
        latest[row.user_id][row.question_id] = row
    return latest


def _read(course: Course, user_id: int | None = None) -> dict[int, set[str]]:
    query = select(CourseProgress).where(CourseProgress.course_id == course.id)
    if user_id is not None:
        query = query.where(CourseProgress.user_id == user_id)
    read: dict[int, set[str]] = defaultdict(set)
    for row in db.session.scalars(query):
        read[row.user_id].add(row.module_id)
    return read


def _progress(course: Course, read: set[str], latest: dict[str, QuizAnswer]) -> Progress:
    modules = {m.id for m in course.modules}
    questions = {q.id for _m, q in course.questions()}
    return Progress(
        read=frozenset(read & modules),
        answers={k: (v.answer, v.correct) for k, v in latest.items() if k in questions},
        total_modules=len(modules),
        total_questions=len(questions),
    )


def progress(user: User, course: Course) -> Progress:
    """The user's progress in a course (modules and questions no longer there are ignored).

    :param user: the reader.
    :param course: the course.
    :returns: modules read and latest answers.
    """
    return _progress(
        course, _read(course, user.id).get(user.id, set()), _latest(course, user.id)[user.id]
    )


def operator_results(course: Course) -> list[OperatorResult]:
    """Every user who started the course, with their progress.

    :param course: the course.
    :returns: one row per user, sorted by user name.
    """
    latest, read = _latest(course), _read(course)
    started = sorted(set(latest) | set(read))
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(started)))}
    out = []
    for user_id, user in users.items():
        answers = latest.get(user_id, {})
        last = max((a.when for a in answers.values()), default=None)
        out.append(
            OperatorResult(user.name, _progress(course, read.get(user_id, set()), answers), last)
        )
    return sorted(out, key=lambda r: r.user)


def question_results(course: Course) -> list[QuestionResult]:
    """Per question: operators who answered, and whose latest answer is wrong.

    :param course: the course.
    :returns: rows, most failed first.
    """
    latest = _latest(course)
    out = []
    for module, question in course.questions():
        rows = [answers[question.id] for answers in latest.values() if question.id in answers]
        out.append(
            QuestionResult(
                module_id=module.id,
                question_id=question.id,
                prompt=question.prompt,
                lang=question.lang,
                answered=len(rows),
                failed=sum(1 for r in rows if not r.correct),
            )
        )
    return sorted(out, key=lambda r: (-r.fail_rate, -r.failed, r.question_id))
