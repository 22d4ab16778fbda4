"""The operator's screen: search as you type (:mod:`kb.operator.home`), the article and
body cards read during a call (:mod:`kb.operator.reader`) and the home for the shift
(:mod:`kb.operator.shift`, its tables in :mod:`kb.operator.shift_models`)."""
