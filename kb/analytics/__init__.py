"""Search analytics for editors: what operators look for, what they do not find, which
articles answer calls.

- :mod:`kb.analytics.recording`: what the search screen, the reader and the API log
  (searches go through the batched search log of :mod:`kb.gaps`; result opens here);
- :mod:`kb.analytics.rollup`: settles typing bursts and rolls raw rows up into hourly and
  daily tables, and applies ``SEARCH_LOG_DAYS``;
- :mod:`kb.analytics.queries`: the figures of the dashboard and of the JSON API, read
  from the roll-ups;
- :mod:`kb.analytics.charts`: bar and line charts as inline SVG drawn on the server;
- :mod:`kb.analytics.views`: ``/-/analytics``, its CSV exports and
  ``/api/analytics/searches``.
"""
