"""Course progress and quiz answers (tables ``course_progress`` and ``quiz_answers``).

Courses themselves live in the content repository (``articles.courses``); the database
keeps only who read which module and what they answered, against which course version.

Every attempt at a question is kept, numbered per user and question (``attempt``). The
**first** attempt is the score: the right answer is shown after a miss, so a retry proves
only that the operator read it. Results also show the number of attempts and the best
answer (right on any attempt).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import func
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
    """One answer to one quiz question (every attempt is kept; the first counts)."""

    __tablename__ = "quiz_answers"
    __table_args__ = (
        Index("ix_quiz_answers_user_course", "user_id", "course_id"),
        Index("ix_quiz_answers_user_question", "user_id", "course_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(80), index=True)
    course_revision: Mapped[str] = mapped_column(String(40))
    module_id: Mapped[str] = mapped_column(String(80))
    question_id: Mapped[str] = mapped_column(String(80))
    answer: Mapped[str] = mapped_column(Text, default="")
    correct: Mapped[bool] = mapped_column(default=False)
    #: 1 for the user's first answer to this question of this course, then 2, 3...
    attempt: Mapped[int] = mapped_column(default=1, server_default="1")
    when: Mapped[datetime] = mapped_column(default=utcnow)
    user: Mapped[User] = relationship()


@dataclass(frozen=True)
class Standing:
    """One user's attempts at one question.

    :param first: whether the first attempt was right (the score).
    :param best: whether any attempt was right.
    :param attempts: how many times the user answered.
    :param last: the latest answer's text.
    :param last_correct: whether the latest answer was right.
    """

    first: bool
    best: bool
    attempts: int
    last: str
    last_correct: bool


@dataclass(frozen=True)
class Progress:
    """One user's standing in one course.

    :param read: ids of modules marked read.
    :param answers: per question id, the user's attempts.
    :param total_modules: modules in the course.
    :param total_questions: questions in the course.
    :param attempts: quiz submissions (one per module and attempt number).
    """

    read: frozenset[str]
    answers: dict[str, Standing]
    total_modules: int
    total_questions: int
    attempts: int = 0

    @property
    def correct(self) -> int:
        """Questions whose first answer is right (the score)."""
        return sum(1 for s in self.answers.values() if s.first)

    @property
    def best(self) -> int:
        """Questions answered right on some attempt."""
        return sum(1 for s in self.answers.values() if s.best)

    @property
    def percent(self) -> int:
        """Share of modules read and questions right on the first attempt, 0-100."""
        total = self.total_modules + self.total_questions
        return round(100 * (len(self.read) + self.correct) / total) if total else 0


@dataclass(frozen=True)
class QuestionResult:
    """How operators did on one question (their first answers count)."""

    module_id: str
    question_id: str
    prompt: str
    lang: str
    answered: int
    failed: int
    right_later: int = 0

    @property
    def fail_rate(self) -> int:
        """Percent of operators whose first answer is wrong."""
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
    """Store scored answers as the user's next attempt and mark the module read.

    :param user: who answered.
    :param course: the published course.
    :param module_id: the module of the quiz.
    :param answers: ``(question id, answer text, correct)`` triples.
    """
    for question_id, answer, correct in answers:
        before = db.session.scalar(
            select(func.max(QuizAnswer.attempt)).where(
                QuizAnswer.user_id == user.id,
                QuizAnswer.course_id == course.id,
                QuizAnswer.question_id == question_id,
            )
        )
        db.session.add(
            QuizAnswer(
                user_id=user.id,
                course_id=course.id,
                course_revision=course.version,
                module_id=module_id,
                question_id=question_id,
                answer=answer[:2000],
                correct=correct,
                attempt=(before or 0) + 1,
            )
        )
    mark_read(user, course, module_id)


@dataclass
class _Attempts:
    rows: list[QuizAnswer] = field(default_factory=list)

    def standing(self) -> Standing:
        last = self.rows[-1]
        return Standing(
            first=self.rows[0].correct,
            best=any(r.correct for r in self.rows),
            attempts=len(self.rows),
            last=last.answer,
            last_correct=last.correct,
        )


def _attempts(course: Course, user_id: int | None = None) -> dict[int, dict[str, _Attempts]]:
    """Per user and question, every answer in the order given."""
    query = (
        select(QuizAnswer)
        .where(QuizAnswer.course_id == course.id)
        .order_by(QuizAnswer.attempt, QuizAnswer.id)
    )
    if user_id is not None:
        query = query.where(QuizAnswer.user_id == user_id)
    found: dict[int, dict[str, _Attempts]] = defaultdict(lambda: defaultdict(_Attempts))
    for row in db.session.scalars(query):
        found[row.user_id][row.question_id].rows.append(row)
    return found


def _read(course: Course, user_id: int | None = None) -> dict[int, set[str]]:
    query = select(CourseProgress).where(CourseProgress.course_id == course.id)
    if user_id is not None:
        query = query.where(CourseProgress.user_id == user_id)
    read: dict[int, set[str]] = defaultdict(set)
    for row in db.session.scalars(query):
        read[row.user_id].add(row.module_id)
    return read


def _progress(course: Course, read: set[str], attempts: dict[str, _Attempts]) -> Progress:
    modules = {m.id for m in course.modules}
    questions = {q.id for _m, q in course.questions()}
    mine = {k: v for k, v in attempts.items() if k in questions and v.rows}
    return Progress(
        read=frozenset(read & modules),
        answers={k: v.standing() for k, v in mine.items()},
        total_modules=len(modules),
        total_questions=len(questions),
        attempts=len({(r.module_id, r.attempt) for v in mine.values() for r in v.rows}),
    )


def progress(user: User, course: Course) -> Progress:
    """The user's progress in a course (modules and questions no longer there are ignored).

    :param user: the reader.
    :param course: the course.
    :returns: modules read and every attempt's standing.
    """
    return _progress(
        course, _read(course, user.id).get(user.id, set()), _attempts(course, user.id)[user.id]
    )


def operator_results(course: Course) -> list[OperatorResult]:
    """Every user who started the course, with their progress.

    :param course: the course.
    :returns: one row per user, sorted by user name.
    """
    attempts, read = _attempts(course), _read(course)
    started = sorted(set(attempts) | set(read))
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(started)))}
    out = []
    for user_id, user in users.items():
        answers = attempts.get(user_id, {})
        last = max((r.when for a in answers.values() for r in a.rows), default=None)
        out.append(
            OperatorResult(user.name, _progress(course, read.get(user_id, set()), answers), last)
        )
    return sorted(out, key=lambda r: r.user)


def question_results(course: Course) -> list[QuestionResult]:
    """Per question: operators who answered, whose first answer is wrong, and how many of
    those got it right on a later attempt.

    :param course: the course.
    :returns: rows, most failed first.
    """
    attempts = _attempts(course)
    out = []
    for module, question in course.questions():
        rows = [
            answers[question.id].standing()
            for answers in attempts.values()
            if answers.get(question.id) and answers[question.id].rows
        ]
        out.append(
            QuestionResult(
                module_id=module.id,
                question_id=question.id,
                prompt=question.prompt,
                lang=question.lang,
                answered=len(rows),
                failed=sum(1 for r in rows if not r.first),
                right_later=sum(1 for r in rows if r.best and not r.first),
            )
        )
    return sorted(out, key=lambda r: (-r.fail_rate, -r.failed, r.question_id))
