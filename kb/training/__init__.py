"""The trainers' audience: courses, quizzes and their export (blueprint ``courses``).

Modules: :mod:`kb.training.courses` (views at ``/-/courses``), :mod:`kb.training.models`
(reading progress and quiz answers in the database), :mod:`kb.training.export` (the
printable handout and the Markdown bundle). Templates live in ``templates/courses/``.
"""
